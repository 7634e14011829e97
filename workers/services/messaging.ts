import { SendCodes } from "../../contracts/messages";
import type { Bindings } from "../../domain/env";
import { conversationOfMessageId } from "../../domain/message-format";
import { conversationFor } from "../../platform/stubs";
import { ApiError } from "../lib/errors";

/**
 * HTTP status for a code a Conversation answered with: generic codes are their own status,
 * "does not exist" codes are 404, every other business code is a refusal (403).
 */
export function statusOf(code: number): 400 | 403 | 404 | 413 | 500 {
	if (code === 400 || code === 413 || code === 403 || code === 404 || code === 500) return code;
	if (code === SendCodes.GroupNotFound || code === SendCodes.MessageNotFound || code === SendCodes.ConversationNotFound)
		return 404;
	return 403;
}

export const apiErrorOf = (r: { code: number; message: string }) => new ApiError(statusOf(r.code), r.code, r.message);

/** The Conversation object that owns a message ID (IDs encode it), or a 404. */
export function conversationOfMessage(env: Bindings, messageId: string) {
	const conversationId = conversationOfMessageId(messageId);
	if (!conversationId) throw new ApiError(404, SendCodes.MessageNotFound, "message not found");
	return { conversationId, stub: conversationFor(env, conversationId) };
}
