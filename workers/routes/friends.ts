import { Hono } from "hono";
import { PageQuery } from "../../contracts/common";
import {
	Blacklist,
	BlockRequest,
	FriendIdParam,
	FriendList,
	FriendListQuery,
	FriendRequestList,
	FriendRequestListQuery,
	HandleFriendRequest,
	RequestIdParam,
	SendFriendRequest,
	SendFriendRequestResponse,
	UpdateRemarkRequest,
} from "../../contracts/friends";
import { areFriends, blockedEitherWay } from "../../db/relations";
import { ok } from "../../domain/envelope";
import { now } from "../../domain/time";
import { notify } from "../../platform/notify";
import { pushIfOffline } from "../../platform/push-jobs";
import type { AppEnv } from "../env";
import { requireUser } from "../lib/auth";
import { refuseOtherMethods } from "../lib/collections";
import { badRequest, Codes, conflict, forbidden, notFound } from "../lib/errors";
import { fetchPage, pageOut } from "../lib/paging";
import { doc, validate } from "../lib/validate";
import { syncPrivateConversation } from "../services/conversation-sync";
import { befriendStatements, listFriends, touchFriendshipStatement } from "../services/friends";
import { enforceRateLimit, rateLimitNote } from "../services/rate-limits";
import { cardOf, userCards } from "../services/users";

export const friends = new Hono<AppEnv>();

const BLOCK_RULE = `Blocking is stored one way (who blocked whom) and enforced both ways: while either user
blocks the other, neither can send the other a friend request (30114) or a private message, and an
existing friendship is kept but hidden from BOTH users' friend lists (and \`isFriend\` is false) until
the block is lifted. Incremental lists report a hidden friendship with \`isDeleted: true\` and report it
again with \`isDeleted: false\` when it reappears.`;

const requestStatus = (s: string) => s as "pending" | "accepted" | "rejected";

friends.get(
	"/",
	requireUser,
	doc({
		summary: "My friends (full, or changed since lastUpdateTime including deletions)",
		description: `Without lastUpdateTime (or 0): the visible friends, newest change first. With
lastUpdateTime (Unix seconds): every friend row changed at or after it; ended friendships come back with
\`isDeleted: true\`. ${BLOCK_RULE}`,
		tags: ["friends"],
		response: FriendList,
	}),
	validate("query", FriendListQuery),
	async (c) => {
		const q = c.req.valid("query");
		const { list, total } = await listFriends(c.env, c.var.auth.userId, q.lastUpdateTime, q);
		return ok(c, { list, total, page: q.page, pageSize: q.pageSize });
	},
);

friends.post(
	"/requests",
	requireUser,
	doc({
		summary: "Send a friend request",
		description: `Refused when the target is the caller (400 30106), a block exists either way (403 30114),
the two are already friends (409 30101) or a request is pending in either direction (409 30115). When
the target does not require verification (friendVerifyRequired false) the request is accepted at
once and \`autoAccepted\` is true. The target gets \`friend.request\` (as an offline push when no device of theirs is connected). ${BLOCK_RULE} ${rateLimitNote("RATE_FRIEND_REQUEST")}`,
		tags: ["friends"],
		response: SendFriendRequestResponse,
	}),
	validate("json", SendFriendRequest),
	async (c) => {
		const body = c.req.valid("json");
		const me = c.var.auth;
		if (body.userId === me.userId) throw badRequest("you cannot add yourself as a friend", Codes.CannotAddSelf);
		await enforceRateLimit(c.env, me.userId, "friendRequest");
		const db = c.env.DB;
		const target = await db
			.prepare(
				`SELECT u.status, COALESCE(s.friend_verify_required, 1) AS verify FROM users u
				   LEFT JOIN user_settings s ON s.user_id = u.id WHERE u.id = ?`,
			)
			.bind(body.userId)
			.first<{ status: number; verify: number }>();
		if (!target || target.status !== 1) throw notFound("user not found", Codes.UserProfileNotFound);
		if (await blockedEitherWay(c.env, me.userId, body.userId))
			throw forbidden("a block exists between you and this user", Codes.UserBlocked);
		if (await areFriends(c.env, me.userId, body.userId)) throw conflict("you are already friends", Codes.AlreadyFriend);
		const pending = await db
			.prepare(
				`SELECT 1 FROM friend_requests WHERE status = 'pending'
				   AND ((from_user_id = ? AND to_user_id = ?) OR (from_user_id = ? AND to_user_id = ?))`,
			)
			.bind(me.userId, body.userId, body.userId, me.userId)
			.first();
		if (pending) throw conflict("a friend request between you is already pending", Codes.FriendRequestExists);

		const t = now();
		const autoAccepted = target.verify === 0;
		const [inserted] = await db.batch<{ id: number }>([
			db
				.prepare(
					`INSERT INTO friend_requests (from_user_id, to_user_id, message, source, status, created_at, updated_at)
					 VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				)
				.bind(me.userId, body.userId, body.message, body.source, autoAccepted ? "accepted" : "pending", t, t),
			...(autoAccepted ? befriendStatements(c.env, me.userId, body.userId, t) : []),
		]);
		const requestId = inserted!.results[0]!.id;
		if (autoAccepted) await syncPrivateConversation(c.env, me.userId, body.userId);
		const cards = await userCards(c.env, [me.userId]);
		const from = cardOf(cards, me.userId);
		const reached = await notify(c.env, [body.userId], "friend.request", {
			requestId,
			fromUserId: me.userId,
			toUserId: body.userId,
			message: body.message,
			source: body.source,
			status: autoAccepted ? "accepted" : "pending",
			autoAccepted,
			createdAt: t,
			fromUserInfo: from,
		});
		await pushIfOffline(
			c.env,
			reached,
			"friend.request",
			autoAccepted ? `${from.nickname} 已添加你为好友` : `${from.nickname} 请求添加你为好友`,
			{ requestId: String(requestId), fromUserId: me.userId },
		);
		return ok(c, { requestId, autoAccepted });
	},
);

friends.put(
	"/requests/:id",
	requireUser,
	doc({
		summary: "Accept or reject a friend request (recipient only)",
		description: `Only the recipient may handle a request (403 30116); a handled request is 409 30107;
accepting while a block exists either way is 403 30114. Accepting (re)creates the friendship on both
sides. The sender gets \`friend.request_handled\`.`,
		tags: ["friends"],
	}),
	validate("param", RequestIdParam),
	validate("json", HandleFriendRequest),
	async (c) => {
		const { id } = c.req.valid("param");
		const { action } = c.req.valid("json");
		const me = c.var.auth;
		const db = c.env.DB;
		const req = await db
			.prepare("SELECT id, from_user_id, to_user_id, status FROM friend_requests WHERE id = ?")
			.bind(id)
			.first<{ id: number; from_user_id: string; to_user_id: string; status: string }>();
		if (!req) throw notFound("friend request not found", Codes.FriendRequestNotFound);
		if (req.to_user_id !== me.userId)
			throw forbidden("only the recipient can handle a friend request", Codes.FriendPermissionDenied);
		if (req.status !== "pending") throw conflict("friend request was already handled", Codes.FriendRequestProcessed);
		const accept = action === "accept";
		if (accept && (await blockedEitherWay(c.env, req.from_user_id, me.userId)))
			throw forbidden("a block exists between you and this user", Codes.UserBlocked);
		const t = now();
		const [updated] = await db.batch([
			db
				.prepare(
					"UPDATE friend_requests SET status = ?, updated_at = ? WHERE id = ? AND status = 'pending' RETURNING id",
				)
				.bind(accept ? "accepted" : "rejected", t, id),
			...(accept ? befriendStatements(c.env, req.from_user_id, me.userId, t) : []),
		]);
		if (!updated!.results.length) throw conflict("friend request was already handled", Codes.FriendRequestProcessed);
		if (accept) await syncPrivateConversation(c.env, req.from_user_id, me.userId);
		await notify(c.env, [req.from_user_id], "friend.request_handled", {
			requestId: id,
			fromUserId: req.from_user_id,
			toUserId: me.userId,
			status: accept ? "accepted" : "rejected",
			handledAt: t,
		});
		return ok(c);
	},
);

friends.get(
	"/requests",
	requireUser,
	doc({
		summary: "Friend requests I received (default) or sent, every status, newest first",
		tags: ["friends"],
		response: FriendRequestList,
	}),
	validate("query", FriendRequestListQuery),
	async (c) => {
		const q = c.req.valid("query");
		const column = q.type === "sent" ? "from_user_id" : "to_user_id";
		const { rows: list, total } = await fetchPage<{
			id: number;
			from_user_id: string;
			to_user_id: string;
			message: string;
			source: string;
			status: string;
			created_at: number;
		}>(
			c.env,
			{
				select: "id, from_user_id, to_user_id, message, source, status, created_at",
				from: `FROM friend_requests WHERE ${column} = ?`,
				orderBy: "created_at DESC, id DESC",
				args: [c.var.auth.userId],
			},
			q,
		);
		const cards = await userCards(
			c.env,
			list.map((r) => r.from_user_id),
		);
		return ok(
			c,
			pageOut(
				list.map((r) => ({
					requestId: r.id,
					fromUserId: r.from_user_id,
					toUserId: r.to_user_id,
					message: r.message,
					source: r.source,
					status: requestStatus(r.status),
					createdAt: r.created_at,
					fromUserInfo: cardOf(cards, r.from_user_id),
				})),
				total,
				q,
			),
		);
	},
);

friends.get(
	"/blacklist",
	requireUser,
	doc({ summary: "Users I block, newest first", description: BLOCK_RULE, tags: ["friends"], response: Blacklist }),
	validate("query", PageQuery),
	async (c) => {
		const q = c.req.valid("query");
		const me = c.var.auth.userId;
		const { rows, total } = await fetchPage<{ blocked_user_id: string; created_at: number }>(
			c.env,
			{
				select: "blocked_user_id, created_at",
				from: "FROM blacklist WHERE user_id = ?",
				orderBy: "created_at DESC, blocked_user_id",
				args: [me],
			},
			q,
		);
		const cards = await userCards(
			c.env,
			rows.map((r) => r.blocked_user_id),
		);
		const list = rows.map((r) => ({
			userId: me,
			blockedUserId: r.blocked_user_id,
			createdAt: r.created_at,
			blockedUserInfo: cardOf(cards, r.blocked_user_id),
		}));
		return ok(c, pageOut(list, total, q));
	},
);

friends.post(
	"/blacklist",
	requireUser,
	doc({
		summary: "Block a user",
		description: `Errors: yourself 400 30106, unknown user 404 20103, already blocked 409 30112. My other
devices get \`friend.blacklist_changed\`; the blocked user is not told. ${BLOCK_RULE}`,
		tags: ["friends"],
	}),
	validate("json", BlockRequest),
	async (c) => {
		const { userId } = c.req.valid("json");
		const me = c.var.auth;
		if (userId === me.userId) throw badRequest("you cannot block yourself", Codes.CannotAddSelf);
		const db = c.env.DB;
		const exists = await db.prepare("SELECT 1 FROM users WHERE id = ?").bind(userId).first();
		if (!exists) throw notFound("user not found", Codes.UserProfileNotFound);
		const t = now();
		const [inserted] = await db.batch([
			db
				.prepare(
					"INSERT INTO blacklist (user_id, blocked_user_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING user_id",
				)
				.bind(me.userId, userId, t),
			touchFriendshipStatement(c.env, me.userId, userId, t),
		]);
		if (!inserted!.results.length) throw conflict("user is already blocked", Codes.AlreadyInBlacklist);
		await syncPrivateConversation(c.env, me.userId, userId);
		await notify(
			c.env,
			[me.userId],
			"friend.blacklist_changed",
			{ targetUserId: userId, action: "add", changedAt: t },
			{ excludeDevice: me.deviceId },
		);
		return ok(c);
	},
);

friends.delete(
	"/blacklist/:id",
	requireUser,
	doc({
		summary: "Unblock a user (path id = the blocked user's ID)",
		description: `Not blocked: 404 30113. My other devices get \`friend.blacklist_changed\`. ${BLOCK_RULE}`,
		tags: ["friends"],
	}),
	validate("param", FriendIdParam),
	async (c) => {
		const { id } = c.req.valid("param");
		const me = c.var.auth;
		const db = c.env.DB;
		const t = now();
		const [deleted] = await db.batch([
			db
				.prepare("DELETE FROM blacklist WHERE user_id = ? AND blocked_user_id = ? RETURNING user_id")
				.bind(me.userId, id),
			touchFriendshipStatement(c.env, me.userId, id, t),
		]);
		if (!deleted!.results.length) throw notFound("user is not in your blacklist", Codes.NotInBlacklist);
		await syncPrivateConversation(c.env, me.userId, id);
		await notify(
			c.env,
			[me.userId],
			"friend.blacklist_changed",
			{ targetUserId: id, action: "remove", changedAt: t },
			{ excludeDevice: me.deviceId },
		);
		return ok(c);
	},
);

// Below: the `/:id` routes. The static paths above must not fall into them with a method they do not serve.
refuseOtherMethods(friends, "/", "friend's user ID");
refuseOtherMethods(friends, "/requests", "friend request ID");
refuseOtherMethods(friends, "/blacklist", "blocked user's ID");
refuseOtherMethods(friends, "/blacklist/:id");

friends.delete(
	"/:id",
	requireUser,
	doc({
		summary: "End a friendship (both sides)",
		description: `Not friends: 404 30117. Both rows are kept as tombstones (\`isDeleted: true\` in incremental
lists); a new request can make the two friends again. The other side gets \`friend.deleted\`.`,
		tags: ["friends"],
	}),
	validate("param", FriendIdParam),
	async (c) => {
		const { id } = c.req.valid("param");
		const me = c.var.auth;
		const t = now();
		const res = await c.env.DB.prepare(
			`UPDATE friendships SET deleted_at = ?, updated_at = ?
			  WHERE deleted_at IS NULL AND ((user_id = ? AND friend_id = ?) OR (user_id = ? AND friend_id = ?))`,
		)
			.bind(t, t, me.userId, id, id, me.userId)
			.run();
		if (!res.meta.changes) throw notFound("you are not friends with this user", Codes.NotFriend);
		await syncPrivateConversation(c.env, me.userId, id);
		await notify(c.env, [id], "friend.deleted", { friendUserId: me.userId, deletedAt: t });
		return ok(c);
	},
);

friends.put(
	"/:id/remark",
	requireUser,
	doc({
		summary: 'Set my remark for a friend ("" clears it)',
		description: "Not friends: 404 30117. My other devices get `friend.remark_updated`.",
		tags: ["friends"],
	}),
	validate("param", FriendIdParam),
	validate("json", UpdateRemarkRequest, { optional: true }),
	async (c) => {
		const { id } = c.req.valid("param");
		const { remark } = c.req.valid("json");
		const me = c.var.auth;
		const t = now();
		const res = await c.env.DB.prepare(
			"UPDATE friendships SET remark = ?, updated_at = ? WHERE user_id = ? AND friend_id = ? AND deleted_at IS NULL",
		)
			.bind(remark, t, me.userId, id)
			.run();
		if (!res.meta.changes) throw notFound("you are not friends with this user", Codes.NotFriend);
		await notify(
			c.env,
			[me.userId],
			"friend.remark_updated",
			{ friendUserId: id, remark, updatedAt: t },
			{ excludeDevice: me.deviceId },
		);
		return ok(c);
	},
);
