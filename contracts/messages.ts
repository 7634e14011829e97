import { z } from "zod";
import { queryInt, UnixSeconds } from "./common";

/** Content types on the wire (WIRE-PROFILE §2); `system` is produced by the server only. */
export const CONTENT_TYPES = ["text", "image", "audio", "video", "file", "location", "custom", "system"] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

/** The README's integer codes, accepted as input aliases of the strings. */
export const CONTENT_TYPE_ALIASES: Record<number, ContentType> = {
	1: "text",
	2: "image",
	3: "audio",
	4: "video",
	5: "file",
	6: "location",
	100: "custom",
};

/** 32 KiB of UTF-8 per message (WIRE-PROFILE §2). */
export const MAX_CONTENT_BYTES = 32 * 1024;

/** Business and generic codes a send can be refused with (each answered as `message.error`). */
export const SendCodes = {
	/** Empty/unknown field values. */
	BadInput: 400,
	/** Content above MAX_CONTENT_BYTES. */
	TooLarge: 413,
	/** Over the sender's message limit; the payload carries `retryAfter` (s) and `retryAfterMs`. */
	RateLimited: 429,
	NotFriend: 30117,
	Blocked: 30114,
	GroupNotFound: 40101,
	NotGroupMember: 40105,
	GroupMuted: 40115,
	/** `replyTo` names no message of this conversation. */
	MessageNotFound: 50101,
	/** The conversation is neither a group nor a valid private pair of the sender. */
	ConversationNotFound: 50107,
	/** A message.before_send hook rejected the message (its reason is the message), or failed closed. */
	MessageRejected: 50113,
} as const;

export const ConversationType = z
	.enum(["private", "group", "single"], { error: "conversationType must be private or group" })
	.transform((v) => (v === "single" ? "private" : v) as "private" | "group");

/** A retried send is recognised among the conversation's most recent this many messages. */
export const IDEMPOTENCY_WINDOW = 5000;

/** When a send is a retry (durable-objects/conversation/idempotency.ts); said in the OpenAPI and AsyncAPI documents. */
export const RETRY_RULE = `Idempotency key. A send is a retry only when it is the same message: the same sender, the same device (the token's deviceId), the same localId and the same payload (conversation, conversationType, contentType, content, replyTo and atUsers). A retry is answered with the original ack (messageId, sequence, timestamp) and stores nothing; a reused localId with any other payload, or from another device, is a new message. Retries are recognised among the conversation's last ${IDEMPOTENCY_WINDOW.toLocaleString("en-US")} messages, also after reconnects and server restarts.`;

/**
 * The body of `message.send` and `POST /messages`. Content checks (non-empty, size, known
 * type) are made by the Conversation so the WebSocket and HTTP answer with the same codes.
 */
export const SendMessageRequest = z.object({
	conversationId: z
		.string({ error: "conversationId is required" })
		.min(1, "conversationId must not be empty")
		.max(128, "conversationId is too long"),
	conversationType: ConversationType,
	contentType: z.union([z.string().max(16, "contentType is not a known content type"), z.number().int()], {
		error: "contentType is required",
	}),
	content: z.string({ error: "content must be a string" }),
	replyTo: z.string().max(200).optional().default(""),
	atUsers: z.array(z.string().max(64)).max(100, "atUsers holds at most 100 users").optional().default([]),
	localId: z.string().max(128, "localId is too long").optional().default("").describe(RETRY_RULE),
});
export type SendMessageInput = z.output<typeof SendMessageRequest>;

export const SendAck = z.object({
	messageId: z.string(),
	conversationId: z.string(),
	sequence: z.number().int(),
	timestamp: UnixSeconds,
	localId: z.string(),
});
export type SendAckData = z.infer<typeof SendAck>;

/** A message as history, sync and `message.new` carry it (WIRE-PROFILE §6). */
export const Message = z.object({
	messageId: z.string(),
	conversationId: z.string(),
	conversationType: z.enum(["private", "group"]),
	senderId: z.string(),
	contentType: z.string(),
	content: z.string().describe("empty once recalled"),
	sequence: z.number().int(),
	status: z.number().int().describe("0 normal, 1 recalled"),
	replyTo: z.string(),
	atUsers: z.array(z.string()),
	createdAt: UnixSeconds,
	timestamp: UnixSeconds,
});
export type MessageData = z.infer<typeof Message>;

export const SenderInfo = z.object({ userId: z.string(), nickname: z.string(), avatar: z.string() });

export const MessageNew = Message.extend({ senderInfo: SenderInfo });

export const HistoryQuery = z.object({
	before: queryInt("before", 1, Number.MAX_SAFE_INTEGER).optional(),
	after: queryInt("after", 0, Number.MAX_SAFE_INTEGER).optional(),
	limit: queryInt("limit", 1, 100).default(20),
});

export const HistoryResponse = z.object({ list: z.array(Message), hasMore: z.boolean() });

/** A search keyword's length in characters (code points), after trimming. */
export const SEARCH_KEYWORD_MAX = 100;
/** How deep a search pages: a search across conversations merges each one's first offset+limit matches. */
export const SEARCH_OFFSET_MAX = 1000;

/** A wire content type or its integer alias (`system` too: server messages are stored with it); "" is none. */
const SearchContentType = z
	.string()
	.meta({ examples: ["text"] })
	.transform((v, ctx) => {
		const t = v.trim().toLowerCase();
		if (t === "") return undefined;
		const type = /^\d+$/.test(t) ? CONTENT_TYPE_ALIASES[Number(t)] : CONTENT_TYPES.find((c) => c === t);
		if (!type) {
			ctx.addIssue({ code: "custom", message: `contentType must be one of ${CONTENT_TYPES.join(", ")}` });
			return z.NEVER;
		}
		return type;
	});

/** `GET /messages/search` (the fields of SearchMessagesRequest in the contract's message.proto). */
export const SearchMessagesQuery = z.object({
	keyword: z
		.string({ error: "keyword is required" })
		.trim()
		.min(1, "keyword must not be empty")
		.refine((k) => [...k].length <= SEARCH_KEYWORD_MAX, `keyword must be at most ${SEARCH_KEYWORD_MAX} characters`)
		.describe(
			"Words match case-insensitively, the last one also as a prefix (`hel` finds `Hello`); several words match as a phrase, in order. Chinese, Japanese and Korean match anywhere in the text, from one character on.",
		),
	conversationId: z
		.string()
		.max(128, "conversationId is too long")
		.optional()
		.transform((v) => v || undefined)
		.describe("Search one conversation (403 if the caller is not in it); omitted or empty: all of the caller's"),
	contentType: SearchContentType.optional().describe("Only messages of this type; only text content is indexed"),
	limit: queryInt("limit", 1, 100).default(20),
	offset: queryInt("offset", 0, SEARCH_OFFSET_MAX).default(0),
});

export const SearchMessagesResponse = z.object({
	list: z.array(Message).describe("Newest first; never a recalled message or one the caller deleted"),
	total: z.number().int().describe("Every match the caller may see"),
});

export const MessageIdParam = z.object({
	messageId: z.string().min(1, "messageId must not be empty").max(200, "messageId is too long"),
});

export const RecallResponse = z.object({ messageId: z.string(), recalledAt: UnixSeconds });

/** Client frame `message.typing`. */
export const TypingFrame = z.object({
	conversationId: z.string().min(1).max(128),
	typing: z.boolean().optional().default(true),
	conversationType: ConversationType.optional(),
});
