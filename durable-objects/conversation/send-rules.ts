import { privatePeers } from "../../contracts/ids";
import { MAX_CONTENT_BYTES, SendCodes } from "../../contracts/messages";
import { resolveContentType, utf8Length } from "../../domain/message-format";
import type { ConversationKind, SendInput, SendResult } from "../../domain/messaging-types";
import { payloadFingerprint } from "./idempotency";
import type { MemberCopy } from "./members";
import type { MessageRow } from "./storage";

export const fail = (code: number, message: string) => ({ ok: false as const, code, message });

/** Whether `senderId` may send here now: membership, the pair's friendship/block state, mutes, dissolution. */
export function checkSender(members: MemberCopy, kind: ConversationKind, senderId: string): SendResult | null {
	const member = members.map().get(senderId);
	if (kind === "private") {
		if (!member) return fail(SendCodes.ConversationNotFound, "not a participant of this conversation");
		const code = Number(members.getMeta("privateCode") ?? "0");
		if (code === SendCodes.Blocked) return fail(code, "a block exists between the two users");
		if (code !== 0) return fail(SendCodes.NotFriend, "the two users are not friends");
		return null;
	}
	if (members.getMeta("dissolved") === "1") return fail(SendCodes.GroupNotFound, "group not found or dissolved");
	if (!member) return fail(SendCodes.NotGroupMember, "not a group member");
	if (member.muted) return fail(SendCodes.GroupMuted, "you are muted in this group");
	// Owners and admins may still speak while the whole group is muted.
	if (members.getMeta("groupMuted") === "1" && member.role === "member")
		return fail(SendCodes.GroupMuted, "the group is muted");
	return null;
}

/**
 * The content checks of a send, the same for the WebSocket and HTTP: a known content type,
 * non-empty content within MAX_CONTENT_BYTES, a replyTo of this conversation, mentions of
 * members. Returns the resolved content type and the de-duplicated mentions, or the refusal.
 */
export function checkContent(
	input: SendInput,
	members: MemberCopy,
	replyExists: (messageId: string) => boolean,
): { ok: true; contentType: string; atUsers: string[] } | ReturnType<typeof fail> {
	const contentType = resolveContentType(input.contentType);
	if (!contentType) return fail(SendCodes.BadInput, "contentType is not a known content type");
	if (input.content.length === 0) return fail(SendCodes.BadInput, "content must not be empty");
	if (utf8Length(input.content) > MAX_CONTENT_BYTES)
		return fail(SendCodes.TooLarge, `content is larger than ${MAX_CONTENT_BYTES} bytes`);
	if (input.replyTo && !replyExists(input.replyTo))
		return fail(SendCodes.MessageNotFound, "replyTo names no message of this conversation");
	const atUsers = [...new Set(input.atUsers)];
	const map = members.map();
	if (atUsers.some((u) => !map.has(u)))
		return fail(SendCodes.BadInput, "atUsers must name members of the conversation");
	return { ok: true, contentType, atUsers };
}

/** The payload as it will be stored (content type resolved, mentions de-duplicated), so aliases are the same message. */
export const fingerprintOf = (kind: ConversationKind, input: SendInput) =>
	payloadFingerprint({
		conversationType: kind,
		contentType: resolveContentType(input.contentType) ?? String(input.contentType),
		content: input.content,
		replyTo: input.replyTo,
		atUsers: [...new Set(input.atUsers)],
	});

/** Rows from before schema 3 carry no fingerprint: the payload as stored (a recalled one no longer matches). */
export const storedFingerprint = (kind: ConversationKind, r: MessageRow) =>
	payloadFingerprint({
		conversationType: kind,
		contentType: r.contentType,
		content: r.content,
		replyTo: r.replyTo,
		atUsers: JSON.parse(r.atUsers) as string[],
	});

export const ackOf = (conversationId: string, r: MessageRow, localId: string) => ({
	messageId: r.messageId,
	conversationId,
	sequence: r.seq,
	timestamp: r.createdAt,
	localId,
});

/** The other user of a private conversation; a group's target is the group. */
export function targetFor(kind: ConversationKind, conversationId: string, userId: string): string {
	if (kind === "group") return conversationId;
	const peers = privatePeers(conversationId);
	return peers ? (peers[0] === userId ? peers[1] : peers[0]) : "";
}
