import { Hono } from "hono";
import {
	GroupIdParam,
	GroupRequestParam,
	HandleJoinRequest,
	JoinRequest,
	JoinRequestList,
	JoinRequestListQuery,
	JoinResponse,
} from "../../../contracts/groups";
import { ok } from "../../../domain/envelope";
import type { AppEnv } from "../../env";
import { requireUser } from "../../lib/auth";
import { doc, validate } from "../../lib/validate";
import { handleJoinRequest, joinGroup, listJoinRequests } from "../../services/group-requests";
import { LIMIT_RULE, tags } from "./docs";

/** Joining: applying or joining at once, and the owner/admins' view and handling of requests and invitations. */
export const requests = new Hono<AppEnv>();

requests.post(
	"/:id/join",
	requireUser,
	doc({
		summary: "Join a group, or apply to join when it requires verification",
		description: `Already a member 409 40106. A pending request of the caller (application or invitation) is
returned as is. joinVerify groups: a pending request (owner/admins get \`group.join_requested\`).
Otherwise the caller joins at once (members get \`group.member_joined\`); requestId is then 0. ${LIMIT_RULE}`,
		tags,
		response: JoinResponse,
	}),
	validate("param", GroupIdParam),
	validate("json", JoinRequest, { optional: true }),
	async (c) => ok(c, await joinGroup(c.env, c.req.valid("param").id, c.var.auth.userId, c.req.valid("json").message)),
);

requests.get(
	"/:id/requests",
	requireUser,
	doc({
		summary: "Join requests and invitations of the group, newest first (owner/admin)",
		description: "Non-member 403 40105, plain member 403 40108. Optional exact `status` filter.",
		tags,
		response: JoinRequestList,
	}),
	validate("param", GroupIdParam),
	validate("query", JoinRequestListQuery),
	async (c) => {
		const { id } = c.req.valid("param");
		return ok(c, await listJoinRequests(c.env, id, c.var.auth.userId, c.req.valid("query").status));
	},
);

requests.put(
	"/:id/requests/:requestId",
	requireUser,
	doc({
		summary: "Accept or reject a join request or invitation (owner/admin); a missing accept means reject",
		description: `Request not found in this group 404 40113; already handled 409 40114; non-member 403 40105;
plain member 403 40108. Accepting adds the user (members get \`group.member_joined\`). ${LIMIT_RULE}`,
		tags,
	}),
	validate("param", GroupRequestParam),
	validate("json", HandleJoinRequest, { optional: true }),
	async (c) => {
		const { id, requestId } = c.req.valid("param");
		await handleJoinRequest(c.env, id, c.var.auth.userId, requestId, c.req.valid("json").accept);
		return ok(c);
	},
);
