import { z } from "zod";
import { IdParam, PageQuery, pageOf, queryInt, UnixSeconds } from "./common";

export const UserInfo = z.object({ userId: z.string(), nickname: z.string(), avatar: z.string() });

/**
 * One friend of the caller. `isDeleted` is true for an ended friendship and for a friendship
 * hidden by a block (either direction); both only appear in incremental lists.
 */
export const Friend = z.object({
	userId: z.string(),
	remark: z.string(),
	createdAt: UnixSeconds,
	updatedAt: UnixSeconds,
	isDeleted: z.boolean(),
	userInfo: UserInfo,
});

export const FriendListQuery = PageQuery.extend({
	lastUpdateTime: queryInt("lastUpdateTime", 0, Number.MAX_SAFE_INTEGER).default(0),
});
export const FriendList = pageOf(Friend);

export const FriendSource = z.enum(["search", "qrcode", "group", "contacts"], {
	error: "source must be one of search, qrcode, group, contacts",
});

export const SendFriendRequest = z.object({
	userId: IdParam("userId"),
	message: z.string().max(200, "message must be at most 200 characters").default(""),
	source: FriendSource,
});
export const SendFriendRequestResponse = z.object({ requestId: z.number().int(), autoAccepted: z.boolean() });

export const FriendRequestStatus = z.enum(["pending", "accepted", "rejected"]);
export const FriendRequest = z.object({
	requestId: z.number().int(),
	fromUserId: z.string(),
	toUserId: z.string(),
	message: z.string(),
	source: z.string(),
	status: FriendRequestStatus,
	createdAt: UnixSeconds,
	fromUserInfo: UserInfo,
});
export const FriendRequestListQuery = PageQuery.extend({
	type: z.enum(["received", "sent"], { error: "type must be received or sent" }).default("received"),
});
export const FriendRequestList = pageOf(FriendRequest);

export const RequestIdParam = z.object({
	id: z.coerce
		.number({ error: "id must be an integer request ID" })
		.int("id must be an integer request ID")
		.positive("id must be an integer request ID"),
});
export const HandleFriendRequest = z.object({
	action: z.enum(["accept", "reject"], { error: "action must be accept or reject" }),
});

export const FriendIdParam = z.object({ id: IdParam("id") });
export const UpdateRemarkRequest = z.object({
	remark: z.string().max(50, "remark must be at most 50 characters").default(""),
});

export const BlacklistItem = z.object({
	userId: z.string().describe("the caller"),
	blockedUserId: z.string(),
	createdAt: UnixSeconds,
	blockedUserInfo: UserInfo,
});
export const Blacklist = pageOf(BlacklistItem);
export const BlockRequest = z.object({ userId: IdParam("userId") });
