/** What the group routes' OpenAPI descriptions share. */
export const tags = ["groups"];
export const LIMIT_RULE =
	"The member limit (maxMembers, owner included) is checked on every path that adds members: over it is 409 40104.";
