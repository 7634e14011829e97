import type { z } from "zod";
import type { Friend, FriendRequest, FriendSource } from "../../contracts/friends";
import type { NotificationData } from "../../contracts/notifications";
import {
	friendRequestPage,
	friendRequestTarget,
	friendRows,
	getFriendRequest,
	insertFriendRequest,
	pendingRequestBetween,
	settleFriendRequest,
	tombstoneFriendship,
	updateRemark,
	visibleFriendIds,
} from "../../db/friends";
import type { PageParams } from "../../db/paging";
import { areFriends, blockedEitherWay } from "../../db/relations";
import type { Bindings } from "../../domain/env";
import type { AuthContext } from "../../domain/identity";
import { now } from "../../domain/time";
import { notify } from "../../platform/notify";
import { pushIfOffline } from "../../platform/push-jobs";
import { emitWebhookEvent } from "../../platform/webhook-events";
import { badRequest, Codes, conflict, forbidden, notFound } from "../lib/errors";
import { pageOut } from "../lib/paging";
import { syncPrivateConversation } from "./conversation-sync";
import { enforceRateLimit } from "./rate-limits";
import { cardOf, userCards } from "./users";

// The pairwise checks other features share (calls, profiles) are the friends aggregate's too.
export { blockedEitherWay, relationFlags } from "../../db/relations";

type FriendOut = z.infer<typeof Friend>;
type Me = Pick<AuthContext, "userId" | "deviceId">;

/**
 * The caller's friends. `since` ≤ 0: the visible friends (active and not hidden by a block).
 * `since` > 0: every row changed at or after `since`, ended or hidden ones flagged `isDeleted`
 * (the boundary second is included: a change in the same second as the previous sync must not be
 * lost, and clients upsert, so a repeat is harmless). Newest change first.
 */
export async function listFriends(
	env: Bindings,
	userId: string,
	since: number,
	page?: PageParams,
): Promise<{ list: FriendOut[]; total: number }> {
	const { rows, total } = await friendRows(env, userId, since, page);
	const list = rows.map((r) => ({
		userId: r.friendId,
		remark: r.remark,
		createdAt: r.createdAt,
		updatedAt: r.updatedAt,
		isDeleted: r.deletedAt !== null || r.hidden,
		userInfo: { userId: r.friendId, nickname: r.nickname ?? "", avatar: r.avatar ?? "" },
	}));
	return { list, total };
}

/** For `POST /sync`: the user's friend rows changed at or after `since` (deletions and block-hidden ones flagged). */
export async function friendsChangedSince(env: Bindings, userId: string, since: number): Promise<FriendOut[]> {
	return (await listFriends(env, userId, Math.max(since, 0))).list;
}

/** Called by `PUT /users/me` after a profile change: tells the user's friends. */
export async function notifyFriendsOfProfileChange(
	env: Bindings,
	data: NotificationData<"user.friend_profile_changed">,
): Promise<void> {
	const friends = await visibleFriendIds(env, data.userId);
	if (friends.length) await notify(env, friends, "user.friend_profile_changed", data);
}

/** A request to `to`, accepted at once when `to` does not require verification. */
export async function sendFriendRequest(
	env: Bindings,
	from: string,
	body: { userId: string; message: string; source: z.infer<typeof FriendSource> },
): Promise<{ requestId: number; autoAccepted: boolean }> {
	const to = body.userId;
	if (to === from) throw badRequest("you cannot add yourself as a friend", Codes.CannotAddSelf);
	await enforceRateLimit(env, from, "friendRequest");
	const target = await friendRequestTarget(env, to);
	if (!target || target.status !== 1) throw notFound("user not found", Codes.UserProfileNotFound);
	if (await blockedEitherWay(env, from, to))
		throw forbidden("a block exists between you and this user", Codes.UserBlocked);
	if (await areFriends(env, from, to)) throw conflict("you are already friends", Codes.AlreadyFriend);
	if (await pendingRequestBetween(env, from, to))
		throw conflict("a friend request between you is already pending", Codes.FriendRequestExists);

	const t = now();
	const autoAccepted = !target.verify;
	const { message, source } = body;
	const requestId = await insertFriendRequest(
		env,
		{ fromUserId: from, toUserId: to, message, source },
		autoAccepted,
		t,
	);
	if (autoAccepted) await syncPrivateConversation(env, from, to);
	const fromUserInfo = cardOf(await userCards(env, [from]), from);
	const status = autoAccepted ? "accepted" : "pending";
	const reached = await notify(env, [to], "friend.request", {
		requestId,
		fromUserId: from,
		toUserId: to,
		message,
		source,
		status,
		autoAccepted,
		createdAt: t,
		fromUserInfo,
	});
	if (autoAccepted)
		await emitWebhookEvent(env, "friend.added", {
			requestId,
			fromUserId: from,
			toUserId: to,
			status: "accepted",
			handledAt: t,
		});
	const nickname = fromUserInfo.nickname;
	await pushIfOffline(
		env,
		reached,
		"friend.request",
		autoAccepted ? `${nickname} 已添加你为好友` : `${nickname} 请求添加你为好友`,
		{ requestId: String(requestId), fromUserId: from },
	);
	return { requestId, autoAccepted };
}

/** The recipient accepts or rejects a pending request; the sender is told. */
export async function handleFriendRequest(env: Bindings, me: string, id: number, accept: boolean): Promise<void> {
	const req = await getFriendRequest(env, id);
	if (!req) throw notFound("friend request not found", Codes.FriendRequestNotFound);
	if (req.toUserId !== me)
		throw forbidden("only the recipient can handle a friend request", Codes.FriendPermissionDenied);
	const handled = () => conflict("friend request was already handled", Codes.FriendRequestProcessed);
	if (req.status !== "pending") throw handled();
	if (accept && (await blockedEitherWay(env, req.fromUserId, me)))
		throw forbidden("a block exists between you and this user", Codes.UserBlocked);
	const t = now();
	if (!(await settleFriendRequest(env, req, accept, t))) throw handled();
	if (accept) await syncPrivateConversation(env, req.fromUserId, me);
	const handledData = { requestId: id, fromUserId: req.fromUserId, toUserId: me, handledAt: t };
	await notify(env, [req.fromUserId], "friend.request_handled", {
		...handledData,
		status: accept ? "accepted" : "rejected",
	});
	if (accept) await emitWebhookEvent(env, "friend.added", { ...handledData, status: "accepted" });
}

/** Requests the user received or sent, every status, newest first, as a wire page. */
export async function listFriendRequests(env: Bindings, me: string, type: "received" | "sent", p: PageParams) {
	const { rows, total } = await friendRequestPage(env, me, type === "sent" ? "from" : "to", p);
	const cards = await userCards(
		env,
		rows.map((r) => r.fromUserId),
	);
	const list: z.infer<typeof FriendRequest>[] = rows.map((r) => ({
		requestId: r.id,
		fromUserId: r.fromUserId,
		toUserId: r.toUserId,
		message: r.message,
		source: r.source,
		status: r.status as z.infer<typeof FriendRequest>["status"],
		createdAt: r.createdAt,
		fromUserInfo: cardOf(cards, r.fromUserId),
	}));
	return pageOut(list, total, p);
}

/** Ends a friendship on both sides (tombstones); the other side is told. */
export async function endFriendship(env: Bindings, me: string, friendId: string): Promise<void> {
	const t = now();
	if (!(await tombstoneFriendship(env, me, friendId, t)))
		throw notFound("you are not friends with this user", Codes.NotFriend);
	await syncPrivateConversation(env, me, friendId);
	await notify(env, [friendId], "friend.deleted", { friendUserId: me, deletedAt: t });
}

/** Sets the caller's remark for a friend; the caller's other devices are told. */
export async function setFriendRemark(env: Bindings, me: Me, friendId: string, remark: string): Promise<void> {
	const t = now();
	if (!(await updateRemark(env, me.userId, friendId, remark, t)))
		throw notFound("you are not friends with this user", Codes.NotFriend);
	await notify(
		env,
		[me.userId],
		"friend.remark_updated",
		{ friendUserId: friendId, remark, updatedAt: t },
		{ excludeDevice: me.deviceId },
	);
}
