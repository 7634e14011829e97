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
import { ok } from "../../domain/envelope";
import type { AppEnv } from "../env";
import { requireUser } from "../lib/auth";
import { refuseOtherMethods } from "../lib/collections";
import { doc, validate } from "../lib/validate";
import { blockUser, listBlacklist, unblockUser } from "../services/blacklist";
import {
	endFriendship,
	handleFriendRequest,
	listFriendRequests,
	listFriends,
	sendFriendRequest,
	setFriendRemark,
} from "../services/friends";
import { rateLimitNote } from "../services/rate-limits";

export const friends = new Hono<AppEnv>();

const BLOCK_RULE = `Blocking is stored one way (who blocked whom) and enforced both ways: while either user
blocks the other, neither can send the other a friend request (30114) or a private message, and an
existing friendship is kept but hidden from BOTH users' friend lists (and \`isFriend\` is false) until
the block is lifted. Incremental lists report a hidden friendship with \`isDeleted: true\` and report it
again with \`isDeleted: false\` when it reappears.`;

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
	async (c) => ok(c, await sendFriendRequest(c.env, c.var.auth.userId, c.req.valid("json"))),
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
		await handleFriendRequest(c.env, c.var.auth.userId, id, c.req.valid("json").action === "accept");
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
		return ok(c, await listFriendRequests(c.env, c.var.auth.userId, q.type, q));
	},
);

friends.get(
	"/blacklist",
	requireUser,
	doc({ summary: "Users I block, newest first", description: BLOCK_RULE, tags: ["friends"], response: Blacklist }),
	validate("query", PageQuery),
	async (c) => ok(c, await listBlacklist(c.env, c.var.auth.userId, c.req.valid("query"))),
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
		await blockUser(c.env, c.var.auth, c.req.valid("json").userId);
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
		await unblockUser(c.env, c.var.auth, c.req.valid("param").id);
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
		await endFriendship(c.env, c.var.auth.userId, c.req.valid("param").id);
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
		await setFriendRemark(c.env, c.var.auth, c.req.valid("param").id, c.req.valid("json").remark);
		return ok(c);
	},
);
