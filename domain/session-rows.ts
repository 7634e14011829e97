import type { SessionData } from "../contracts/sessions";
import type { ConversationSummary } from "./messaging-types";

/** One row of a user's conversation list as the UserHub keeps it (flags stored; the rest derived from the Conversation). */
export interface SessionRow extends ConversationSummary {
	isPinned: boolean;
	pinTime: number;
	isMuted: boolean;
	/** The session is hidden while `lastSeq <= deletedSeq`; a newer message brings it back. */
	deletedSeq: number;
	createdAt: number;
	updatedAt: number;
	/** Milliseconds when the last message reached this hub: orders messages of the same second. */
	arrivedAt: number;
}

export const unreadOf = (r: SessionRow) => Math.max(0, r.lastSeq - r.readSeq);
export const isVisible = (r: SessionRow) => r.lastSeq > r.deletedSeq;

export const toSession = (r: SessionRow): SessionData => ({
	sessionId: r.conversationId,
	sessionType: r.conversationType,
	targetId: r.targetId,
	lastMessageId: r.lastMessageId,
	lastMessageContent: r.lastMessageContent,
	lastMessageTime: r.lastMessageTime,
	lastSeq: r.lastSeq,
	readSeq: r.readSeq,
	unreadCount: unreadOf(r),
	isPinned: r.isPinned,
	isMuted: r.isMuted,
	pinTime: r.pinTime,
	createdAt: r.createdAt,
	updatedAt: r.updatedAt,
});

/** Pinned first (latest pin first), then by last message time, newest first. */
export const sessionOrder = (a: SessionRow, b: SessionRow) =>
	Number(b.isPinned) - Number(a.isPinned) ||
	(a.isPinned ? b.pinTime - a.pinTime : 0) ||
	b.lastMessageTime - a.lastMessageTime ||
	(b.arrivedAt ?? 0) - (a.arrivedAt ?? 0) ||
	(a.conversationId < b.conversationId ? -1 : 1);
