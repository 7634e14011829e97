/**
 * Conversation IDs (WIRE-PROFILE §4). A group's conversation ID is the group ID. A private
 * conversation's ID is derived from the two user IDs so both sides and every client compute
 * the same one: `p_` + the two user IDs in ascending (code-unit) order, joined by `_`.
 */
export const privateConversationId = (a: string, b: string) => (a < b ? `p_${a}_${b}` : `p_${b}_${a}`);

export const isPrivateConversationId = (id: string) => id.startsWith("p_");

/** The two user IDs of a private conversation ID, or null if it is not one. */
export function privatePeers(id: string): [string, string] | null {
	if (!isPrivateConversationId(id)) return null;
	const rest = id.slice(2);
	// User IDs are UUIDs (36 characters), so the split point is fixed.
	if (rest.length !== 73 || rest[36] !== "_") return null;
	return [rest.slice(0, 36), rest.slice(37)];
}
