import type { z } from "zod";
import type { MessageNew } from "../contracts/messages";

export type ConversationKind = "private" | "group";

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
