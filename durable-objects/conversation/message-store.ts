import type { MessageData } from "../../contracts/messages";
import { sequenceOfMessageId } from "../../domain/message-format";
import type { ConversationKind } from "../../domain/messaging-types";
import { IDEMPOTENCY_WINDOW, type KeyedRow } from "./idempotency";
import type { MessageRow } from "./storage";

/** A message as it is written: every column but the defaults. */
export type NewMessageRow = Omit<MessageRow, "status">;

/**
 * The `messages` table: the conversation's messages by sequence (the rowid), the last sequence,
 * and the per-user `hidden` marks (delete-for-me). Statements go through the host's `sql` so a
 * test can watch them.
 */
export class MessageStore {
	/** The highest stored sequence; kept in memory, set by load() and insert(). */
	lastSeq = 0;

	constructor(private readonly host: { readonly sql: SqlStorage }) {}

	load(): void {
		this.lastSeq = this.host.sql.exec<{ s: number | null }>("SELECT MAX(seq) AS s FROM messages").one().s ?? 0;
	}

	/** The one write of a send. */
	insert(r: NewMessageRow): void {
		this.host.sql.exec(
			`INSERT INTO messages (seq, message_id, sender_id, content_type, content, reply_to, at_users, status, created_at, local_id, device_id, fingerprint)
			 VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
			r.seq,
			r.message_id,
			r.sender_id,
			r.content_type,
			r.content,
			r.reply_to,
			r.at_users,
			r.created_at,
			r.local_id,
			r.device_id,
			r.fingerprint,
		);
		this.lastSeq = r.seq;
	}

	row(seq: number): MessageRow {
		return this.host.sql.exec<MessageRow>("SELECT * FROM messages WHERE seq = ?", seq).one();
	}

	last(): MessageRow | undefined {
		return this.host.sql.exec<MessageRow>("SELECT * FROM messages ORDER BY seq DESC LIMIT 1").toArray()[0];
	}

	/**
	 * A message of this conversation by its ID, found through the seq inside the ID (the rowid;
	 * message_id has no index of its own); an ID that does not parse names no message.
	 */
	byId(messageId: string): MessageRow | undefined {
		const seq = sequenceOfMessageId(messageId);
		if (seq === null) return undefined;
		return this.host.sql
			.exec<MessageRow>("SELECT * FROM messages WHERE seq = ? AND message_id = ?", seq, messageId)
			.toArray()[0];
	}

	/** The message unless `userId` deleted it for themselves; found like byId. */
	visible(userId: string, messageId: string): MessageRow | undefined {
		const seq = sequenceOfMessageId(messageId);
		if (seq === null) return undefined;
		return this.host.sql
			.exec<MessageRow>(
				`SELECT * FROM messages WHERE seq = ? AND message_id = ?
				 AND NOT EXISTS (SELECT 1 FROM hidden WHERE user_id = ? AND seq = messages.seq)`,
				seq,
				messageId,
				userId,
			)
			.toArray()[0];
	}

	/** Up to `limit` + 1 rows in (after, before), without the ones `userId` hid. */
	page(userId: string, q: { before?: number; after?: number; limit: number }, ascending: boolean): MessageRow[] {
		return this.host.sql
			.exec<MessageRow>(
				`SELECT * FROM messages WHERE seq > ? AND seq < ?
				 AND seq NOT IN (SELECT seq FROM hidden WHERE user_id = ?)
				 ORDER BY seq ${ascending ? "ASC" : "DESC"} LIMIT ?`,
				q.after ?? 0,
				q.before ?? Number.MAX_SAFE_INTEGER,
				userId,
				q.limit + 1,
			)
			.toArray();
	}

	/** Keeps the sequence, drops the content. */
	markRecalled(seq: number): void {
		this.host.sql.exec("UPDATE messages SET status = 1, content = '' WHERE seq = ?", seq);
	}

	hide(userId: string, seq: number): void {
		this.host.sql.exec("INSERT OR IGNORE INTO hidden (user_id, seq) VALUES (?, ?)", userId, seq);
	}

	/** The idempotency keys of the last IDEMPOTENCY_WINDOW messages, in seq order (one rowid range scan). */
	recentKeys(): Iterable<KeyedRow> {
		return this.host.sql.exec<KeyedRow>(
			"SELECT seq, sender_id, device_id, local_id, fingerprint FROM messages WHERE seq > ? AND local_id != '' ORDER BY seq",
			this.lastSeq - IDEMPOTENCY_WINDOW,
		);
	}

	/** Messages per day number (Unix days) in (from, to]. */
	countsPerDay(from: number, to: number): { d: number; n: number }[] {
		return this.host.sql
			.exec<{ d: number; n: number }>(
				"SELECT created_at / 86400 AS d, COUNT(*) AS n FROM messages WHERE seq > ? AND seq <= ? GROUP BY d",
				from,
				to,
			)
			.toArray();
	}

	/** Each sender's last sequence in (from, to]. */
	lastPerSender(from: number, to = Number.MAX_SAFE_INTEGER): { sender_id: string; s: number }[] {
		return this.host.sql
			.exec<{ sender_id: string; s: number }>(
				"SELECT sender_id, MAX(seq) AS s FROM messages WHERE seq > ? AND seq <= ? GROUP BY sender_id",
				from,
				to,
			)
			.toArray();
	}
}

export function rowToMessage(convId: string, kind: ConversationKind, r: MessageRow): MessageData {
	return {
		messageId: r.message_id,
		conversationId: convId,
		conversationType: kind,
		senderId: r.sender_id,
		contentType: r.content_type,
		content: r.content,
		sequence: r.seq,
		status: r.status,
		replyTo: r.reply_to,
		atUsers: JSON.parse(r.at_users) as string[],
		createdAt: r.created_at,
		timestamp: r.created_at,
	};
}

/** A just-stored message as the row a summary reads, so the summary needs no read of it back. */
export const lastRowOf = (m: MessageData) => ({
	message_id: m.messageId,
	content_type: m.contentType,
	content: m.content,
	status: m.status,
	created_at: m.createdAt,
	seq: m.sequence,
});
