import { isPrivateConversationId, privateConversationId } from "../contracts/ids";
import { SendCodes } from "../contracts/messages";

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
