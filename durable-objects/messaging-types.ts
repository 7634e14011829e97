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

export interface FanoutMessage {
	data: z.input<typeof MessageNew>;
	/** The device the message was sent from (only set for the sender's own hub). */
	excludeDevice: string | null;
	mentioned: boolean;
	preview: string;
}

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
	  }
	| { ok: false; code: number; message: string };
