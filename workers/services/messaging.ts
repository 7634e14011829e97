import { isPrivateConversationId, privateConversationId } from "../../contracts/ids";
import { SendCodes } from "../../contracts/messages";
import type { Bindings } from "../env";
import { ApiError } from "../lib/errors";
import { conversationFor } from "./hubs";
import { conversationOfMessageId } from "./message-format";

export type Resolved = { ok: true; conversationId: string } | { ok: false; code: number; message: string };

/**
 * The canonical conversation ID of a send: a private send may name the peer's user ID
 * (WIRE-PROFILE §4), which maps to `privateConversationId`; every reply then uses that ID.
 */
export function resolveConversationId(
	senderId: string,
	input: { conversationId: string; conversationType: "private" | "group" },
): Resolved {
	const id = input.conversationId;
	if (id.includes(".")) return { ok: false, code: SendCodes.BadInput, message: "conversationId is not valid" };
	if (input.conversationType === "group" || isPrivateConversationId(id)) return { ok: true, conversationId: id };
	if (id === senderId)
		return { ok: false, code: SendCodes.BadInput, message: "cannot send a private message to yourself" };
	return { ok: true, conversationId: privateConversationId(senderId, id) };
}

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
