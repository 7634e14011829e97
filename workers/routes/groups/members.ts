import { Hono } from "hono";
import {
	GroupIdParam,
	GroupMemberParam,
	InviteRequest,
	InviteResponse,
	MemberList,
	MemberListQuery,
	MuteRequest,
	SetRoleRequest,
} from "../../../contracts/groups";
import { ok } from "../../../domain/envelope";
import type { AppEnv } from "../../env";
import { requireUser } from "../../lib/auth";
import { doc, validate } from "../../lib/validate";
import { inviteMembers, listMembers, removeMember, setMemberRole, setMuted } from "../../services/group-members";
import { LIMIT_RULE, tags } from "./docs";

/** `/:id/members`: the member list, invitations, and what an owner/admin does to one member. */
export const members = new Hono<AppEnv>();

members.get(
	"/:id/members",
	requireUser,
	doc({ summary: "Group members, by join time (members only: 403 40105)", tags, response: MemberList }),
	validate("param", GroupIdParam),
	validate("query", MemberListQuery),
	async (c) => ok(c, await listMembers(c.env, c.req.valid("param").id, c.var.auth.userId, c.req.valid("query"))),
);

members.post(
	"/:id/members",
	requireUser,
	doc({
		summary: "Invite users into the group",
		description: `Members may invite while allowMemberInvite is true (else 403 40108); owner/admins always. Users
already in the group are skipped. Into a joinVerify group every invitation becomes a pending join
request (the invitee gets \`group.invited\`, as an offline push when not connected; owner/admins \`group.join_requested\`); otherwise the users
join at once and every member gets \`group.member_joined\`. ${LIMIT_RULE}`,
		tags,
		response: InviteResponse,
	}),
	validate("param", GroupIdParam),
	validate("json", InviteRequest),
	async (c) => {
		const { id } = c.req.valid("param");
		return ok(c, await inviteMembers(c.env, id, c.var.auth.userId, c.req.valid("json").userIds));
	},
);

members.delete(
	"/:id/members/:userId",
	requireUser,
	doc({
		summary: "Remove a member (owner: admins and members; admin: members only)",
		description:
			"Plain member caller 403 40108; target not a member 403 40105; target is the owner 403 40109; an admin removing an admin 403 40110. Members and the removed user get `group.member_left` (reason removed_by_admin).",
		tags,
	}),
	validate("param", GroupMemberParam),
	async (c) => {
		const { id, userId } = c.req.valid("param");
		await removeMember(c.env, id, c.var.auth.userId, userId);
		return ok(c);
	},
);

members.put(
	"/:id/members/:userId/role",
	requireUser,
	doc({
		summary: "Make a member an admin or back (owner only)",
		description:
			"Not owner 403 40107; target not a member 403 40105; target is the owner 403 40107. Members get `group.role_changed` when the role changes.",
		tags,
	}),
	validate("param", GroupMemberParam),
	validate("json", SetRoleRequest),
	async (c) => {
		const { id, userId } = c.req.valid("param");
		await setMemberRole(c.env, id, c.var.auth.userId, userId, c.req.valid("json").role);
		return ok(c);
	},
);

members.put(
	"/:id/members/:userId/mute",
	requireUser,
	doc({
		summary: "Mute or unmute one member (owner/admin) — an addition to the contract",
		description:
			"Plain member caller 403 40108; target not a member 403 40105; target is the owner 403 40109; an admin muting an admin 403 40110. A muted member's messages are refused (40115). Members get `group.muted` with the member's userId.",
		tags,
	}),
	validate("param", GroupMemberParam),
	validate("json", MuteRequest),
	async (c) => {
		const { id, userId } = c.req.valid("param");
		await setMuted(c.env, id, c.var.auth.userId, userId, c.req.valid("json").muted);
		return ok(c);
	},
);
