import type { MessageData } from "../contracts/messages";

/** One Conversation's part of a message search (Conversation.search, durable-objects/conversation/search.ts). */
export interface SearchQuery {
	keyword: string;
	/** Only messages of this content type. */
	contentType?: string;
	offset: number;
	limit: number;
	/** Only messages up to this sequence: a second call sees the matches the first one counted. */
	upToSeq?: number;
	/** Answer the matches' sequence and time only (`hits`), not the messages. */
	keysOnly?: boolean;
}

/** Where a match stands in the newest-first order across conversations. */
export interface SearchHit {
	seq: number;
	createdAt: number;
}

export type SearchReply =
	| {
			ok: true;
			/** Every match the caller may see, not only this page. */
			total: number;
			/** The conversation's last sequence when it answered. */
			upToSeq: number;
			/** The page of matches, newest first (empty with keysOnly). */
			list: MessageData[];
			/** The page as hits, newest first (only with keysOnly). */
			hits: SearchHit[];
	  }
	| { ok: false; code: number; message: string };
