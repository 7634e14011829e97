import { type MessageData, SendCodes } from "../../contracts/messages";
import { newMessageId, previewOf } from "../../domain/message-format";
import type { ConversationKind, SendInput, SendResult } from "../../domain/messaging-types";
import type { Screened } from "../../platform/webhook-before-send";
import type { Outgoing } from "./fanout";
import { IdempotencyWindow } from "./idempotency";
import type { MemberCopy } from "./members";
import type { MessageStore } from "./message-store";
import { ackOf, checkContent, checkSender, fail, fingerprintOf, storedFingerprint } from "./send-rules";

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The idempotency keys of the conversation's last IDEMPOTENCY_WINDOW messages, read from storage. */
export const loadKeys = (store: MessageStore, kind: ConversationKind) =>
	IdempotencyWindow.load(store.recentKeys(), (seq) => storedFingerprint(kind, store.row(seq)));

/**
 * Checks and stores one message inside the batch's transaction; appends it to `stored`.
 * `screened` is the message.before_send hooks' verdict (before-send.ts): a refusal, or the
 * content to store. The idempotency key stays the sender's payload, so a retry of a message a
 * hook rewrote is still recognised.
 */
export function storeOne(
	store: MessageStore,
	members: MemberCopy,
	localIds: IdempotencyWindow | null,
	kind: ConversationKind,
	input: SendInput,
	stored: Outgoing[],
	screened?: Screened,
): SendResult {
	const convId = input.conversationId;
	if (kind !== input.conversationType)
		return fail(SendCodes.BadInput, `conversationType must be ${kind} for this conversation`);
	// A retry of an accepted message (same sender, device, localId and payload) returns the
	// original ack, whatever changed since. Only a retry reads storage (for its ack); the rows
	// of this batch are visible here too.
	const deviceId = input.originDevice ?? "";
	const fingerprint = input.localId ? fingerprintOf(kind, input) : "";
	const priorSeq = input.localId
		? localIds?.find(input.senderId, deviceId, input.localId, fingerprint, store.lastSeq)
		: undefined;
	if (priorSeq !== undefined)
		return { ok: true, duplicate: true, ack: ackOf(convId, store.row(priorSeq), input.localId) };

	const refused = checkSender(members, kind, input.senderId);
	if (refused) return refused;
	if (screened && !screened.ok) return fail(SendCodes.MessageRejected, screened.reason);
	const replaced = screened?.ok === true && screened.replaced;
	const text = screened?.ok ? screened.content : input.content;
	// A hook's replacement is checked like any content (empty 400, too large 413).
	const content = checkContent({ ...input, content: text }, members, (id) => store.byId(id) !== undefined);
	if (!content.ok) return content;

	const createdAt = nowSeconds();
	const seq = store.lastSeq + 1;
	const messageId = newMessageId(convId, seq);
	// The one row of a send (its full-text entry follows in a batch, search-index.ts). The sender's read position and the
	// stats count follow from this row (see count-flush.ts); the idempotency key is its local_id, device_id and fingerprint.
	store.insert({
		seq,
		messageId,
		senderId: input.senderId,
		contentType: content.contentType,
		content: text,
		replyTo: input.replyTo,
		atUsers: JSON.stringify(content.atUsers),
		createdAt,
		localId: input.localId,
		deviceId: input.localId ? deviceId : "",
		fingerprint,
	});
	if (input.localId) localIds?.remember(input.senderId, deviceId, input.localId, fingerprint, seq);

	const message: MessageData = {
		messageId,
		conversationId: convId,
		conversationType: kind,
		senderId: input.senderId,
		contentType: content.contentType,
		content: text,
		sequence: seq,
		status: 0,
		replyTo: input.replyTo,
		atUsers: content.atUsers,
		createdAt,
		timestamp: createdAt,
	};
	// A rewritten message reaches the sending device too, so it shows what was stored.
	stored.push({
		message,
		originDevice: replaced ? null : input.originDevice,
		preview: previewOf(content.contentType, text),
		...(replaced ? { replaced } : {}),
	});
	return {
		ok: true,
		duplicate: false,
		ack: { messageId, conversationId: convId, sequence: seq, timestamp: createdAt, localId: input.localId },
	};
}
