import { z } from "zod";
import { queryInt, UnixSeconds } from "./common";
import { Friend } from "./friends";
import { GroupListItem } from "./groups";
import { ConversationType, Message } from "./messages";
import { Session } from "./sessions";

export const ConversationSeq = z.object({
	conversationId: z.string({ error: "conversationId is required" }).min(1).max(128),
	conversationType: ConversationType.optional(),
	lastSeq: z.number({ error: "lastSeq must be an integer" }).int().nonnegative().default(0),
});

export const SyncRequest = z.object({
	lastSyncTime: UnixSeconds.optional().default(0),
	conversationSeqs: z.array(ConversationSeq).max(200, "conversationSeqs holds at most 200 entries").default([]),
});

export const SyncMessagesRequest = z.object({
	conversationSeqs: z.array(ConversationSeq).max(200, "conversationSeqs holds at most 200 entries"),
	limitPerConversation: z
		.number({ error: "limitPerConversation must be an integer" })
		.int()
		.min(1, "limitPerConversation must be at least 1")
		.max(100, "limitPerConversation must be at most 100")
		.optional(),
});

export const SyncMessagesQuery = z.object({ limit: queryInt("limit", 1, 100).optional() });

export const ConversationMessages = z.object({
	conversationId: z.string(),
	conversationType: z.enum(["private", "group"]),
	messages: z.array(Message).describe("ascending by sequence; recalled ones included with status 1"),
	hasMore: z.boolean(),
});

/**
 * Friends and groups in /sync are the same objects as the friend and group lists
 * (GET /friends, GET /groups): one schema per entity across the API.
 */
export const SyncFriend = Friend;
export const SyncGroup = GroupListItem;

export const SyncResponse = z.object({
	friends: z.object({ list: z.array(SyncFriend), total: z.number().int() }),
	groups: z.object({ list: z.array(SyncGroup), total: z.number().int() }),
	sessions: z.object({ list: z.array(Session), hasMore: z.boolean() }),
	conversations: z.array(ConversationMessages),
	syncTime: UnixSeconds,
});

export const SyncMessagesResponse = z.object({ conversations: z.array(ConversationMessages) });
