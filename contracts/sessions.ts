import { z } from "zod";
import { queryInt, UnixSeconds } from "./common";

/** One row of a user's conversation list (WIRE-PROFILE §6); `sessionId` = the conversation ID. */
export const Session = z.object({
	sessionId: z.string(),
	sessionType: z.enum(["private", "group"]),
	targetId: z.string().describe("the peer's user ID (private) or the group ID"),
	lastMessageId: z.string(),
	lastMessageContent: z.string().describe("preview text"),
	lastMessageTime: UnixSeconds,
	lastSeq: z.number().int(),
	readSeq: z.number().int(),
	unreadCount: z.number().int(),
	isPinned: z.boolean(),
	isMuted: z.boolean(),
	pinTime: UnixSeconds,
	createdAt: UnixSeconds,
	updatedAt: UnixSeconds,
});
export type SessionData = z.infer<typeof Session>;

export const SessionListQuery = z.object({
	limit: queryInt("limit", 1, 100).default(20),
	updatedBefore: queryInt("updatedBefore", 0, Number.MAX_SAFE_INTEGER).optional(),
});

export const SessionList = z.object({ list: z.array(Session), hasMore: z.boolean() });

export const SessionIdParam = z.object({
	sessionId: z.string().min(1, "sessionId must not be empty").max(128, "sessionId is too long"),
});

export const UnreadTotal = z.object({ totalUnread: z.number().int() });

export const PinRequest = z.object({ pinned: z.boolean({ error: "pinned must be a boolean" }) });
export const MuteRequest = z.object({ muted: z.boolean({ error: "muted must be a boolean" }) });
export const ReadRequest = z.object({
	lastReadSeq: z.number().int().nonnegative("lastReadSeq must not be negative").optional(),
});

export const ReadResponse = z.object({
	sessionId: z.string(),
	lastReadSeq: z.number().int(),
	unreadCount: z.number().int(),
	totalUnread: z.number().int(),
});
