import { Hono } from "hono";
import {
	CreateGroupRequest,
	Group,
	GroupIdParam,
	GroupList,
	GroupListQuery,
	GroupMemberParam,
	GroupRequestParam,
	HandleJoinRequest,
	InviteRequest,
	InviteResponse,
	JoinRequest,
	JoinRequestList,
	JoinRequestListQuery,
	JoinResponse,
	MemberList,
	MemberListQuery,
	MuteRequest,
	NicknameRequest,
	SetRoleRequest,
	TransferRequest,
	UpdateGroupRequest,
} from "../../contracts/groups";
import { getConfigValue } from "../../db/system-config";
import type { Bindings } from "../../domain/env";
import { ok } from "../../domain/envelope";
import { now } from "../../domain/time";
import { notify } from "../../platform/notify";
import { pushIfOffline } from "../../platform/push-jobs";
import type { AppEnv } from "../env";
import { requireUser } from "../lib/auth";
import { refuseOtherMethods } from "../lib/collections";
import { badRequest, Codes, conflict, forbidden, notFound } from "../lib/errors";
import { fetchPage } from "../lib/paging";
import { doc, validate } from "../lib/validate";
import { syncGroupConversation } from "../services/conversation-sync";
import {
	addMemberStatement,
	asAdmin,
	asMember,
	asOwner,
	currentMemberIds,
	dissolveGroup,
	groupOut,
	leaveGroup,
	listGroupsFor,
	loadGroup,
	memberCount,
	memberRole,
	notifyGroup,
	recountStatement,
} from "../services/groups";
import { enforceRateLimit, rateLimitNote } from "../services/rate-limits";
import { cardOf, userCards } from "../services/users";

export const groups = new Hono<AppEnv>();

const tags = ["groups"];
const LIMIT_RULE =
	"The member limit (maxMembers, owner included) is checked on every path that adds members: over it is 409 40104.";

const limitReached = () => conflict("the group has reached its member limit", Codes.GroupMemberLimitReached);

async function requireUsersExist(env: Bindings, ids: string[], field: string) {
	const cards = await userCards(env, ids);
	const missing = ids.find((id) => !cards.has(id));
	if (missing) throw badRequest(`${field}: unknown user ${missing}`);
}

groups.post(
	"/",
	requireUser,
	doc({
		summary: "Create a group; the caller is its owner and memberIds join as members",
		description: `Every member gets \`group.member_joined\`. ${LIMIT_RULE} A new group's maxMembers is the
runtime setting \`group.max_members\` at creation time: the value an admin stored with
PUT /api/v1/admin/config/group.max_members (applies to groups created afterwards, no redeploy), else the
deployment variable GROUP_MAX_MEMBERS, else 500. Existing groups keep their limit. Unknown member IDs are a 400.
${rateLimitNote("RATE_GROUP_CREATE")}`,
		tags,
		response: Group,
	}),
	validate("json", CreateGroupRequest),
	async (c) => {
		const body = c.req.valid("json");
		const me = c.var.auth.userId;
		await enforceRateLimit(c.env, me, "groupCreate");
		const memberIds = [...new Set(body.memberIds)].filter((id) => id !== me);
		const max = await getConfigValue(c.env, "group.max_members");
		if (memberIds.length + 1 > max) throw limitReached();
		if (memberIds.length) await requireUsersExist(c.env, memberIds, "memberIds");
		const id = crypto.randomUUID();
		const t = now();
		const db = c.env.DB;
		await db.batch([
			db
				.prepare(
					`INSERT INTO groups (id, name, avatar, announcement, owner_id, member_count, max_members, join_verify,
					   allow_member_invite, is_muted, status, created_at, updated_at)
					 VALUES (?, ?, ?, '', ?, 0, ?, ?, ?, 0, 1, ?, ?)`,
				)
				.bind(id, body.name, body.avatar, me, max, body.joinVerify ? 1 : 0, body.allowMemberInvite ? 1 : 0, t, t),
			addMemberStatement(c.env, id, me, "owner", t, max),
			...memberIds.map((uid) => addMemberStatement(c.env, id, uid, "member", t, max)),
			recountStatement(c.env, id, t),
		]);
		await syncGroupConversation(c.env, id);
		const group = await loadGroup(c.env, id);
		await notifyGroup(c.env, id, "group.member_joined", {
			groupId: id,
			userIds: memberIds,
			inviterUserId: me,
			memberCount: group.member_count,
			joinedAt: t,
		});
		return ok(c, groupOut(group, "owner"));
	},
);

groups.get(
	"/",
	requireUser,
	doc({
		summary: "My groups (all, or changed since lastUpdateTime including ones I left or that were dissolved)",
		description:
			"With lastUpdateTime (Unix seconds) the list holds groups whose membership or group data changed at or after it; a group left or dissolved comes back with `isDeleted: true`. Send `updateTime` next time.",
		tags,
		response: GroupList,
	}),
	validate("query", GroupListQuery),
	async (c) => {
		const { lastUpdateTime } = c.req.valid("query");
		const updateTime = now();
		const list = await listGroupsFor(c.env, c.var.auth.userId, lastUpdateTime);
		return ok(c, { groups: list, total: list.length, updateTime });
	},
);

groups.get(
	"/:id",
	requireUser,
	doc({
		summary: 'A group\'s information (any logged-in user; myRole is "" for non-members)',
		description: "Missing or dissolved: 404 40101.",
		tags,
		response: Group,
	}),
	validate("param", GroupIdParam),
	async (c) => {
		const { id } = c.req.valid("param");
		const group = await loadGroup(c.env, id);
		return ok(c, groupOut(group, await memberRole(c.env, id, c.var.auth.userId)));
	},
);

groups.put(
	"/:id",
	requireUser,
	doc({
		summary: "Update group information (owner/admin; only present keys change)",
		description: "Non-member 403 40105, plain member 403 40108. Members get `group.info_updated`.",
		tags,
		response: Group,
	}),
	validate("param", GroupIdParam),
	validate("json", UpdateGroupRequest),
	async (c) => {
		const { id } = c.req.valid("param");
		const body = c.req.valid("json");
		const me = c.var.auth.userId;
		const { role } = await asAdmin(c.env, id, me);
		const columns = {
			name: "name",
			avatar: "avatar",
			announcement: "announcement",
			joinVerify: "join_verify",
			allowMemberInvite: "allow_member_invite",
		} as const;
		const fields = (Object.keys(columns) as (keyof typeof columns)[]).filter((k) => body[k] !== undefined);
		if (fields.length) {
			const t = now();
			const values = fields.map((k) => {
				const v = body[k]!;
				return typeof v === "boolean" ? (v ? 1 : 0) : v;
			});
			await c.env.DB.prepare(
				`UPDATE groups SET ${fields.map((k) => `${columns[k]} = ?`).join(", ")}, updated_at = ? WHERE id = ?`,
			)
				.bind(...values, t, id)
				.run();
			const g = await loadGroup(c.env, id);
			await notifyGroup(c.env, id, "group.info_updated", {
				groupId: id,
				operatorUserId: me,
				updatedFields: fields,
				name: g.name,
				avatar: g.avatar,
				announcement: g.announcement,
				joinVerify: g.join_verify === 1,
				allowMemberInvite: g.allow_member_invite === 1,
				updatedAt: t,
			});
		}
		return ok(c, groupOut(await loadGroup(c.env, id), role));
	},
);

groups.delete(
	"/:id",
	requireUser,
	doc({
		summary: "Dissolve the group (owner only)",
		description:
			"Non-member 403 40105, not owner 403 40107. Every member gets `group.disbanded`; afterwards every lookup of the group is 404 40101.",
		tags,
	}),
	validate("param", GroupIdParam),
	async (c) => {
		const { id } = c.req.valid("param");
		const { group } = await asOwner(c.env, id, c.var.auth.userId);
		await dissolveGroup(c.env, group, c.var.auth.userId);
		return ok(c);
	},
);

groups.get(
	"/:id/members",
	requireUser,
	doc({ summary: "Group members, by join time (members only: 403 40105)", tags, response: MemberList }),
	validate("param", GroupIdParam),
	validate("query", MemberListQuery),
	async (c) => {
		const { id } = c.req.valid("param");
		const q = c.req.valid("query");
		await asMember(c.env, id, c.var.auth.userId);
		const { rows, total } = await fetchPage<{
			user_id: string;
			group_nickname: string;
			role: "owner" | "admin" | "member";
			is_muted: number;
			joined_at: number;
			nickname: string | null;
			avatar: string | null;
		}>(
			c.env,
			{
				select: "m.user_id, m.group_nickname, m.role, m.is_muted, m.joined_at, u.nickname, u.avatar",
				from: "FROM group_members m LEFT JOIN users u ON u.id = m.user_id WHERE m.group_id = ? AND m.left_at IS NULL",
				orderBy: "m.joined_at, m.user_id",
				args: [id],
			},
			q,
		);
		const members = rows.map((m) => ({
			userId: m.user_id,
			groupNickname: m.group_nickname,
			role: m.role,
			isMuted: m.is_muted === 1,
			joinedAt: m.joined_at,
			userInfo: { userId: m.user_id, nickname: m.nickname ?? "", avatar: m.avatar ?? "" },
		}));
		return ok(c, { members, total, page: q.page });
	},
);

groups.post(
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
		const me = c.var.auth.userId;
		const { group, role } = await asMember(c.env, id, me);
		if (role === "member" && group.allow_member_invite !== 1)
			throw forbidden("members may not invite in this group", Codes.NoAdminPermission);
		const wanted = [...new Set(c.req.valid("json").userIds)].filter((uid) => uid !== me);
		if (wanted.length) await requireUsersExist(c.env, wanted, "userIds");
		const current = new Set(await currentMemberIds(c.env, id));
		const invitees = wanted.filter((uid) => !current.has(uid));
		if (!invitees.length) return ok(c, { added: [], pending: [] });
		const db = c.env.DB;
		const t = now();

		if (group.join_verify === 1) {
			const pending: string[] = [];
			const admins = await currentMemberIds(c.env, id, ["owner", "admin"]);
			for (const uid of invitees) {
				const existing = await db
					.prepare("SELECT id FROM group_join_requests WHERE group_id = ? AND user_id = ? AND status = 'pending'")
					.bind(id, uid)
					.first<{ id: number }>();
				pending.push(uid);
				if (existing) continue;
				const row = await db
					.prepare(
						`INSERT INTO group_join_requests (group_id, user_id, inviter_id, message, status, created_at, updated_at)
						 VALUES (?, ?, ?, '', 'pending', ?, ?) RETURNING id`,
					)
					.bind(id, uid, me, t, t)
					.first<{ id: number }>();
				const requestId = row!.id;
				const reached = await notify(c.env, [uid], "group.invited", {
					groupId: id,
					groupName: group.name,
					groupAvatar: group.avatar,
					inviterUserId: me,
					requestId,
					invitedAt: t,
				});
				await pushIfOffline(c.env, reached, "group.invited", `你被邀请加入群组「${group.name}」`, {
					groupId: id,
					requestId: String(requestId),
					inviterUserId: me,
				});
				await notify(c.env, admins, "group.join_requested", {
					requestId,
					groupId: id,
					userId: uid,
					inviterId: me,
					message: "",
					createdAt: t,
				});
			}
			return ok(c, { added: [], pending });
		}

		if (current.size + invitees.length > group.max_members) throw limitReached();
		const results = await db.batch<{ user_id: string }>([
			...invitees.map((uid) => addMemberStatement(c.env, id, uid, "member", t, group.max_members)),
			recountStatement(c.env, id, t),
		]);
		const added = results.slice(0, invitees.length).flatMap((r) => r.results.map((x) => x.user_id));
		if (added.length) {
			await syncGroupConversation(c.env, id);
			await notifyGroup(c.env, id, "group.member_joined", {
				groupId: id,
				userIds: added,
				inviterUserId: me,
				memberCount: await memberCount(c.env, id),
				joinedAt: t,
			});
		}
		return ok(c, { added, pending: [] });
	},
);

groups.delete(
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
		const me = c.var.auth.userId;
		const { role } = await asAdmin(c.env, id, me);
		const target = await memberRole(c.env, id, userId);
		if (!target) throw forbidden("that user is not a member of this group", Codes.NotGroupMember);
		if (target === "owner") throw forbidden("the group owner cannot be removed", Codes.CannotRemoveOwner);
		if (role === "admin" && target === "admin")
			throw forbidden("an admin cannot remove another admin", Codes.CannotRemoveAdmin);
		await leaveGroup(c.env, id, userId, me, "removed_by_admin");
		return ok(c);
	},
);

groups.put(
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
		const { role } = c.req.valid("json");
		const me = c.var.auth.userId;
		await asOwner(c.env, id, me);
		const old = await memberRole(c.env, id, userId);
		if (!old) throw forbidden("that user is not a member of this group", Codes.NotGroupMember);
		if (old === "owner") throw forbidden("the owner's role changes only by transfer", Codes.NoOwnerPermission);
		if (old !== role) {
			const t = now();
			await c.env.DB.prepare(
				"UPDATE group_members SET role = ?, updated_at = ? WHERE group_id = ? AND user_id = ? AND left_at IS NULL",
			)
				.bind(role, t, id, userId)
				.run();
			await syncGroupConversation(c.env, id);
			await notifyGroup(c.env, id, "group.role_changed", {
				groupId: id,
				userId,
				oldRole: old,
				newRole: role,
				operatorUserId: me,
				changedAt: t,
			});
		}
		return ok(c);
	},
);

groups.put(
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
		const { muted } = c.req.valid("json");
		const me = c.var.auth.userId;
		const { role } = await asAdmin(c.env, id, me);
		const target = await memberRole(c.env, id, userId);
		if (!target) throw forbidden("that user is not a member of this group", Codes.NotGroupMember);
		if (target === "owner") throw forbidden("the group owner cannot be muted", Codes.CannotRemoveOwner);
		if (role === "admin" && target === "admin")
			throw forbidden("an admin cannot mute another admin", Codes.CannotRemoveAdmin);
		const t = now();
		await c.env.DB.prepare(
			"UPDATE group_members SET is_muted = ?, updated_at = ? WHERE group_id = ? AND user_id = ? AND left_at IS NULL",
		)
			.bind(muted ? 1 : 0, t, id, userId)
			.run();
		await syncGroupConversation(c.env, id);
		await notifyGroup(c.env, id, "group.muted", {
			groupId: id,
			userId,
			isMuted: muted,
			operatorUserId: me,
			mutedAt: t,
		});
		return ok(c);
	},
);

groups.put(
	"/:id/mute",
	requireUser,
	doc({
		summary: "Mute or unmute the whole group (owner/admin) — an addition to the contract",
		description:
			'Plain member 403 40108. While muted only the owner and admins may send. Members get `group.muted` with userId "".',
		tags,
	}),
	validate("param", GroupIdParam),
	validate("json", MuteRequest),
	async (c) => {
		const { id } = c.req.valid("param");
		const { muted } = c.req.valid("json");
		const me = c.var.auth.userId;
		await asAdmin(c.env, id, me);
		const t = now();
		await c.env.DB.prepare("UPDATE groups SET is_muted = ?, updated_at = ? WHERE id = ?")
			.bind(muted ? 1 : 0, t, id)
			.run();
		await syncGroupConversation(c.env, id);
		await notifyGroup(c.env, id, "group.muted", {
			groupId: id,
			userId: "",
			isMuted: muted,
			operatorUserId: me,
			mutedAt: t,
		});
		return ok(c);
	},
);

groups.put(
	"/:id/nickname",
	requireUser,
	doc({ summary: 'Set my nickname in the group ("" clears it); members only (403 40105)', tags }),
	validate("param", GroupIdParam),
	validate("json", NicknameRequest),
	async (c) => {
		const { id } = c.req.valid("param");
		const { nickname } = c.req.valid("json");
		const me = c.var.auth.userId;
		await asMember(c.env, id, me);
		await c.env.DB.prepare(
			"UPDATE group_members SET group_nickname = ?, updated_at = ? WHERE group_id = ? AND user_id = ? AND left_at IS NULL",
		)
			.bind(nickname.trim(), now(), id, me)
			.run();
		return ok(c);
	},
);

groups.post(
	"/:id/quit",
	requireUser,
	doc({
		summary: "Leave the group",
		description:
			"Non-member 403 40105. The owner cannot leave while others remain (403 40116: transfer or dissolve first); an owner who is the only member dissolves the group. Members and the leaver get `group.member_left` (reason self_quit).",
		tags,
	}),
	validate("param", GroupIdParam),
	async (c) => {
		const { id } = c.req.valid("param");
		const me = c.var.auth.userId;
		const { group, role } = await asMember(c.env, id, me);
		if (role === "owner") {
			if (group.member_count > 1)
				throw forbidden("the owner must transfer ownership or dissolve the group first", Codes.CannotQuitOwnGroup);
			await dissolveGroup(c.env, group, me);
			return ok(c);
		}
		await leaveGroup(c.env, id, me, me, "self_quit");
		return ok(c);
	},
);

groups.post(
	"/:id/transfer",
	requireUser,
	doc({
		summary: "Hand ownership to another member (owner only); the old owner becomes an admin",
		description:
			"Not owner 403 40107; new owner not a member 403 40105. Members get `group.role_changed` for both users.",
		tags,
	}),
	validate("param", GroupIdParam),
	validate("json", TransferRequest),
	async (c) => {
		const { id } = c.req.valid("param");
		const { newOwnerId } = c.req.valid("json");
		const me = c.var.auth.userId;
		await asOwner(c.env, id, me);
		if (newOwnerId === me) return ok(c);
		const old = await memberRole(c.env, id, newOwnerId);
		if (!old) throw forbidden("the new owner is not a member of this group", Codes.NotGroupMember);
		const t = now();
		const db = c.env.DB;
		const setRole = (uid: string, role: string) =>
			db
				.prepare("UPDATE group_members SET role = ?, updated_at = ? WHERE group_id = ? AND user_id = ?")
				.bind(role, t, id, uid);
		await db.batch([
			db.prepare("UPDATE groups SET owner_id = ?, updated_at = ? WHERE id = ?").bind(newOwnerId, t, id),
			setRole(me, "admin"),
			setRole(newOwnerId, "owner"),
		]);
		await syncGroupConversation(c.env, id);
		const change = { groupId: id, operatorUserId: me, changedAt: t };
		await notifyGroup(c.env, id, "group.role_changed", {
			...change,
			userId: newOwnerId,
			oldRole: old,
			newRole: "owner",
		});
		await notifyGroup(c.env, id, "group.role_changed", { ...change, userId: me, oldRole: "owner", newRole: "admin" });
		return ok(c);
	},
);

groups.post(
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
	async (c) => {
		const { id } = c.req.valid("param");
		const { message } = c.req.valid("json");
		const me = c.var.auth.userId;
		const group = await loadGroup(c.env, id);
		if (await memberRole(c.env, id, me))
			throw conflict("you are already a member of this group", Codes.AlreadyGroupMember);
		const db = c.env.DB;
		const pending = await db
			.prepare("SELECT id FROM group_join_requests WHERE group_id = ? AND user_id = ? AND status = 'pending'")
			.bind(id, me)
			.first<{ id: number }>();
		const waiting = (requestId: number) =>
			ok(c, { needVerify: true, requestId, message: "request submitted, awaiting approval" });
		if (pending) return waiting(pending.id);
		const t = now();
		if (group.join_verify === 1) {
			const row = await db
				.prepare(
					`INSERT INTO group_join_requests (group_id, user_id, inviter_id, message, status, created_at, updated_at)
					 VALUES (?, ?, '', ?, 'pending', ?, ?) RETURNING id`,
				)
				.bind(id, me, message, t, t)
				.first<{ id: number }>();
			await notify(c.env, await currentMemberIds(c.env, id, ["owner", "admin"]), "group.join_requested", {
				requestId: row!.id,
				groupId: id,
				userId: me,
				inviterId: "",
				message,
				createdAt: t,
			});
			return waiting(row!.id);
		}
		if (group.member_count >= group.max_members) throw limitReached();
		const [added] = await db.batch<{ user_id: string }>([
			addMemberStatement(c.env, id, me, "member", t, group.max_members),
			recountStatement(c.env, id, t),
		]);
		if (!added!.results.length) throw limitReached();
		await syncGroupConversation(c.env, id);
		await notifyGroup(c.env, id, "group.member_joined", {
			groupId: id,
			userIds: [me],
			inviterUserId: "",
			memberCount: await memberCount(c.env, id),
			joinedAt: t,
		});
		return ok(c, { needVerify: false, requestId: 0, message: "joined the group" });
	},
);

groups.get(
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
		const { status } = c.req.valid("query");
		await asAdmin(c.env, id, c.var.auth.userId);
		const rows = await c.env.DB.prepare(
			`SELECT id, group_id, user_id, inviter_id, message, status, created_at FROM group_join_requests
			  WHERE group_id = ?${status ? " AND status = ?" : ""} ORDER BY created_at DESC, id DESC`,
		)
			.bind(id, ...(status ? [status] : []))
			.all<{
				id: number;
				group_id: string;
				user_id: string;
				inviter_id: string;
				message: string;
				status: "pending" | "accepted" | "rejected";
				created_at: number;
			}>();
		const cards = await userCards(
			c.env,
			rows.results.map((r) => r.user_id),
		);
		const requests = rows.results.map((r) => ({
			id: r.id,
			groupId: r.group_id,
			userId: r.user_id,
			inviterId: r.inviter_id,
			message: r.message,
			status: r.status,
			createdAt: r.created_at,
			userInfo: cardOf(cards, r.user_id),
		}));
		return ok(c, { requests, total: requests.length });
	},
);

groups.put(
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
		const { accept } = c.req.valid("json");
		const me = c.var.auth.userId;
		const { group } = await asAdmin(c.env, id, me);
		const db = c.env.DB;
		const req = await db
			.prepare("SELECT user_id, inviter_id, status FROM group_join_requests WHERE id = ? AND group_id = ?")
			.bind(requestId, id)
			.first<{ user_id: string; inviter_id: string; status: string }>();
		if (!req) throw notFound("join request not found", Codes.JoinRequestNotFound);
		if (req.status !== "pending") throw conflict("join request was already handled", Codes.JoinRequestProcessed);
		const t = now();
		const markHandled = (status: string) =>
			db
				.prepare(
					"UPDATE group_join_requests SET status = ?, updated_at = ? WHERE id = ? AND status = 'pending' RETURNING id",
				)
				.bind(status, t, requestId);
		if (!accept) {
			const [done] = await db.batch([markHandled("rejected")]);
			if (!done!.results.length) throw conflict("join request was already handled", Codes.JoinRequestProcessed);
			return ok(c);
		}
		if (await memberRole(c.env, id, req.user_id)) {
			// Joined another way meanwhile: the request is settled, nothing else changes.
			await db.batch([markHandled("accepted")]);
			return ok(c);
		}
		if (group.member_count >= group.max_members) throw limitReached();
		const [added, done] = await db.batch<{ user_id?: string; id?: number }>([
			addMemberStatement(c.env, id, req.user_id, "member", t, group.max_members),
			db
				.prepare(
					`UPDATE group_join_requests SET status = 'accepted', updated_at = ? WHERE id = ? AND status = 'pending'
					   AND EXISTS (SELECT 1 FROM group_members WHERE group_id = ? AND user_id = ? AND left_at IS NULL)
					 RETURNING id`,
				)
				.bind(t, requestId, id, req.user_id),
			recountStatement(c.env, id, t),
		]);
		if (!added!.results.length) throw limitReached();
		if (!done!.results.length) throw conflict("join request was already handled", Codes.JoinRequestProcessed);
		await syncGroupConversation(c.env, id);
		await notifyGroup(c.env, id, "group.member_joined", {
			groupId: id,
			userIds: [req.user_id],
			inviterUserId: req.inviter_id,
			memberCount: await memberCount(c.env, id),
			joinedAt: t,
		});
		return ok(c);
	},
);

// Methods these paths do not serve get a 405 naming the missing ID, not the generic 404.
refuseOtherMethods(groups, "/", "group ID");
refuseOtherMethods(groups, "/:id/members", "member's user ID");
refuseOtherMethods(groups, "/:id/requests", "join request ID");
