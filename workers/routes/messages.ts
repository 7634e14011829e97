import { Hono } from "hono";
import { z } from "zod";
import {
	MAX_CONTENT_BYTES,
	Message,
	MessageIdParam,
	RecallResponse,
	SearchMessagesQuery,
	SearchMessagesResponse,
	SendAck,
	SendCodes,
	SendMessageRequest,
} from "../../contracts/messages";
import { ok } from "../../domain/envelope";
import { utf8Length } from "../../domain/message-format";
import { resolveConversationId } from "../../domain/messaging";
import { conversationFor } from "../../platform/stubs";
import type { AppEnv } from "../env";
import { requireUser } from "../lib/auth";
import { refuseOtherMethods } from "../lib/collections";
import { requestIdOf } from "../lib/request-log";
import { doc, validate } from "../lib/validate";
import { searchMessages } from "../services/message-search";
import { apiErrorOf, conversationOfMessage } from "../services/messaging";
import { enforceRateLimit, rateLimitNote } from "../services/rate-limits";

/** Message operations beyond the WebSocket (paths of later upstream versions, camelCase). */
export const messages = new Hono<AppEnv>();

messages.post(
	"/",
	requireUser,
	doc({
		summary: "Send a message over HTTP (same body, checks, ordering and idempotency as message.send)",
		description: `Shares the sender's message limit with message.send. ${rateLimitNote("RATE_MESSAGE")}`,
		tags: ["messages"],
		response: SendAck,
	}),
	validate("json", SendMessageRequest),
	async (c) => {
		const body = c.req.valid("json");
		const me = c.var.auth;
		// Oversized content is refused before any object is touched; the Conversation checks it again for sockets.
		if (utf8Length(body.content) > MAX_CONTENT_BYTES)
			throw apiErrorOf({ code: SendCodes.TooLarge, message: `content is larger than ${MAX_CONTENT_BYTES} bytes` });
		const resolved = resolveConversationId(me.userId, body);
		if (!resolved.ok) throw apiErrorOf(resolved);
		await enforceRateLimit(c.env, me.userId, "message");
		const result = await conversationFor(c.env, resolved.conversationId).send(
			{
				...body,
				conversationId: resolved.conversationId,
				senderId: me.userId,
				originDevice: me.deviceId,
			},
			requestIdOf(c),
		);
		if (!result.ok) throw apiErrorOf(result);
		return ok(c, result.ack);
	},
);

// Before "/:messageId", which would take "search" for a message ID.
messages.get(
	"/search",
	requireUser,
	doc({
		summary: "Search my messages by keyword, in one conversation or all of mine, newest first",
		description:
			"Only text content is indexed. Latin words match case-insensitively (diacritics ignored), the keyword's last word also as a prefix; several words match as a phrase. Chinese, Japanese and Korean text matches anywhere, from one character on. Recalled messages and messages the caller deleted for themselves are never returned; a conversationId the caller is not in is refused (403).",
		tags: ["messages"],
		response: SearchMessagesResponse,
	}),
	validate("query", SearchMessagesQuery),
	async (c) => ok(c, await searchMessages(c.env, c.var.auth.userId, c.req.valid("query"))),
);
// DELETE /messages/search is no deletion of a message called "search".
refuseOtherMethods(messages, "/search");

messages.get(
	"/:messageId",
	requireUser,
	doc({ summary: "One message (participants only; not one you deleted)", tags: ["messages"], response: Message }),
	validate("param", MessageIdParam),
	async (c) => {
		const { messageId } = c.req.valid("param");
		const { conversationId, stub } = conversationOfMessage(c.env, messageId);
		const res = await stub.getMessage(conversationId, c.var.auth.userId, messageId);
		if (!res.ok) throw apiErrorOf(res);
		return ok(c, res.message);
	},
);

messages.post(
	"/:messageId/recall",
	requireUser,
	doc({
		summary:
			"Recall a message: the sender within message.max_recall seconds (admin setting, default 120), a group owner/admin any time; members get message.recalled",
		tags: ["messages"],
		response: RecallResponse,
	}),
	validate("param", MessageIdParam),
	async (c) => {
		const { messageId } = c.req.valid("param");
		const { conversationId, stub } = conversationOfMessage(c.env, messageId);
		const res = await stub.recall(conversationId, c.var.auth.userId, messageId);
		if (!res.ok) throw apiErrorOf(res);
		return ok(c, { messageId, recalledAt: res.recalledAt });
	},
);

messages.delete(
	"/:messageId",
	requireUser,
	doc({
		summary: "Delete a message for the caller only (others still see it)",
		tags: ["messages"],
		response: z.null(),
	}),
	validate("param", MessageIdParam),
	async (c) => {
		const { messageId } = c.req.valid("param");
		const { conversationId, stub } = conversationOfMessage(c.env, messageId);
		const res = await stub.hide(conversationId, c.var.auth.userId, messageId);
		if (!res.ok) throw apiErrorOf(res);
		return ok(c);
	},
);
