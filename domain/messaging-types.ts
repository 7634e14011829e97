import type { z } from "zod";
import type { MessageNew, SendMessageInput } from "../contracts/messages";

export type ConversationKind = "private" | "group";

/**
 * The Conversation's flush (message counts to D1's daily counter, senders' read positions) runs
 * this long after the first unflushed message, plus up to COUNT_FLUSH_JITTER_MS so that
 * conversations which got busy together do not all flush together. Each flush is one D1 write
 * and one local commit per conversation: rarer flushes are less background work (admin stats
 * lag by at most the sum). Here, with no runtime imports, so the bench can read them too.
 */
export const COUNT_FLUSH_MS = 30_000;
export const COUNT_FLUSH_JITTER_MS = 15_000;

/**
 * What a Conversation tells a member's UserHub about itself: enough to (re)build that member's
 * conversation-list row. State, not deltas, so applying it twice or late is harmless.
 */
export interface ConversationSummary {
	conversationId: string;
	conversationType: ConversationKind;
	targetId: string;
	lastMessageId: string;
	lastMessageContent: string;
	lastMessageTime: number;
	lastSeq: number;
	readSeq: number;
}

/**
 * One message as a member's hub receives it: the frames are serialised once per message in
 * the Conversation, so a hub only writes strings to its sockets.
 */
export interface FanoutMessage {
	senderId: string;
	/** The `message.new` notification frame, JSON text. */
	frame: string;
	/** The device the message was sent from (only set for the sender's own hub). */
	excludeDevice: string | null;
	/** The `message.mentioned` frame, only for members the message mentions. */
	mentionFrame: string | null;
}

/** Built once per message; `data` is what `message.new` carries. */
export type MessageNewData = z.input<typeof MessageNew>;

export interface FanoutResult {
	/** Devices of the member reached (0 = offline). */
	reached: number;
	muted: boolean;
}

export type SendResult =
	| {
			ok: true;
			duplicate: boolean;
			ack: { messageId: string; conversationId: string; sequence: number; timestamp: number; localId: string };
			/**
			 * Set when the sender's hub asked to deliver the message to the sender's other devices
			 * itself (see Conversation.sendBatch): the `message.new` frame and the sender's row.
			 */
			echo?: { frame: string; summary: ConversationSummary };
	  }
	| { ok: false; code: number; message: string };

/** A send as the Conversation takes it: the parsed body plus who sent it (verified by the Worker) and from where. */
export interface SendInput extends SendMessageInput {
	senderId: string;
	/** The device the message came from; it gets the ack instead of `message.new`. */
	originDevice: string | null;
}

/** A member of a conversation as the Conversation copies it from D1. */
export interface ConversationMember {
	userId: string;
	role: "owner" | "admin" | "member";
	muted: boolean;
}

/** D1's truth about a group, as a sync hands it to the Conversation. */
export interface MemberSnapshot {
	groupId: string;
	members: ConversationMember[];
	groupMuted: boolean;
	dissolved: boolean;
}

/** Whether a private pair may chat, as a sync hands it to the Conversation. */
export interface PrivateSnapshot {
	conversationId: string;
	users: [string, string];
	/** 0 when the pair may chat, else the business code a send is refused with (30114/30117). */
	code: number;
}
