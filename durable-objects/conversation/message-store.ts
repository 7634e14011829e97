import { and, asc, count, desc, eq, gt, lt, lte, max, ne, notExists, notInArray, sql } from "drizzle-orm";
import type { MessageData } from "../../contracts/messages";
import { sequenceOfMessageId } from "../../domain/message-format";
import type { ConversationKind } from "../../domain/messaging-types";
import { logError } from "../../platform/log";
import type { ConversationDb } from "./db";
import { IDEMPOTENCY_WINDOW, type KeyedRow } from "./idempotency";
import { hidden, type MessageRow, messages } from "./schema";
import { INDEX_BATCH, SearchIndex } from "./search-index";

/** A message as it is written: every column but the status (0). */
export type NewMessageRow = Omit<MessageRow, "status">;

/**
 * The `messages` table: the conversation's messages by sequence (the rowid), the last sequence,
 * and the per-user `hidden` marks (delete-for-me); its full-text index follows every change of
 * a message's text (written in batches, search-index.ts).
 */
export class MessageStore {
	/** The highest stored sequence; kept in memory, set by load() and insert(). */
	lastSeq = 0;
	/** The one write of a send, prepared once: the statement text is built a single time. */
	private readonly insertRow;
	readonly search: SearchIndex;
	/** Whether indexWhenDue has a run waiting. */
	private indexScheduled = false;

	constructor(private readonly db: ConversationDb) {
		this.search = new SearchIndex(db);
		this.insertRow = db
			.insert(messages)
			.values({
				seq: sql.placeholder("seq"),
				messageId: sql.placeholder("messageId"),
				senderId: sql.placeholder("senderId"),
				contentType: sql.placeholder("contentType"),
				content: sql.placeholder("content"),
				replyTo: sql.placeholder("replyTo"),
				atUsers: sql.placeholder("atUsers"),
				createdAt: sql.placeholder("createdAt"),
				localId: sql.placeholder("localId"),
				deviceId: sql.placeholder("deviceId"),
				fingerprint: sql.placeholder("fingerprint"),
			})
			.prepare();
	}

	load(): void {
		this.lastSeq =
			this.db
				.select({ s: max(messages.seq) })
				.from(messages)
				.get()?.s ?? 0;
		this.search.open(this.lastSeq);
	}

	/** Inside the send's transaction: the one write of a message (its index entry follows in a batch). */
	insert(r: NewMessageRow): void {
		this.insertRow.run(r);
		this.lastSeq = r.seq;
	}

	/**
	 * After a send: once a full batch of messages waits for the full-text index, indexes them
	 * after this turn, so the send that completed the batch is answered without waiting for it. A
	 * failure leaves the watermark where it was; the next batch, the alarm or a search index
	 * those messages again.
	 */
	indexWhenDue(): void {
		if (this.indexScheduled || this.search.pending(this.lastSeq) < INDEX_BATCH) return;
		this.indexScheduled = true;
		setTimeout(() => {
			this.indexScheduled = false;
			this.indexLogged();
		}, 0);
	}

	/** index(), with a failure logged rather than thrown: the messages stay above the watermark for the next try. */
	indexLogged(budget?: number): void {
		try {
			this.index(budget);
		} catch (e) {
			logError("full-text indexing failed", e);
		}
	}

	/** Indexes the messages not indexed yet, at most `budget` of them. */
	index(budget?: number): void {
		this.search.catchUp(this.lastSeq, budget);
	}

	row(seq: number): MessageRow {
		return this.db.select().from(messages).where(eq(messages.seq, seq)).get()!;
	}

	last(): MessageRow | undefined {
		return this.db.select().from(messages).orderBy(desc(messages.seq)).limit(1).get();
	}

	/**
	 * A message of this conversation by its ID, found through the seq inside the ID (the rowid;
	 * message_id has no index of its own); an ID that does not parse names no message.
	 */
	byId(messageId: string): MessageRow | undefined {
		const seq = sequenceOfMessageId(messageId);
		if (seq === null) return undefined;
		return this.db
			.select()
			.from(messages)
			.where(and(eq(messages.seq, seq), eq(messages.messageId, messageId)))
			.get();
	}

	/** The message unless `userId` deleted it for themselves; found like byId. */
	visible(userId: string, messageId: string): MessageRow | undefined {
		const seq = sequenceOfMessageId(messageId);
		if (seq === null) return undefined;
		const hiddenForUser = this.db
			.select({ one: sql`1` })
			.from(hidden)
			.where(and(eq(hidden.userId, userId), eq(hidden.seq, messages.seq)));
		return this.db
			.select()
			.from(messages)
			.where(and(eq(messages.seq, seq), eq(messages.messageId, messageId), notExists(hiddenForUser)))
			.get();
	}

	/** Up to `limit` + 1 rows in (after, before), without the ones `userId` hid. */
	page(userId: string, q: { before?: number; after?: number; limit: number }, ascending: boolean): MessageRow[] {
		const hiddenSeqs = this.db.select({ seq: hidden.seq }).from(hidden).where(eq(hidden.userId, userId));
		return this.db
			.select()
			.from(messages)
			.where(
				and(
					gt(messages.seq, q.after ?? 0),
					lt(messages.seq, q.before ?? Number.MAX_SAFE_INTEGER),
					notInArray(messages.seq, hiddenSeqs),
				),
			)
			.orderBy(ascending ? asc(messages.seq) : desc(messages.seq))
			.limit(q.limit + 1)
			.all();
	}

	/** Keeps the sequence, drops the content (and its index entry, in the same commit). */
	markRecalled(seq: number): void {
		this.db.transaction(() => {
			this.db.update(messages).set({ status: 1, content: "" }).where(eq(messages.seq, seq)).run();
			this.search.remove(seq);
		});
	}

	hide(userId: string, seq: number): void {
		this.db.insert(hidden).values({ userId, seq }).onConflictDoNothing().run();
	}

	/** The idempotency keys of the last IDEMPOTENCY_WINDOW messages, in seq order (one rowid range scan). */
	recentKeys(): KeyedRow[] {
		return this.db
			.select({
				seq: messages.seq,
				senderId: messages.senderId,
				deviceId: messages.deviceId,
				localId: messages.localId,
				fingerprint: messages.fingerprint,
			})
			.from(messages)
			.where(and(gt(messages.seq, this.lastSeq - IDEMPOTENCY_WINDOW), ne(messages.localId, "")))
			.orderBy(asc(messages.seq))
			.all();
	}

	/** Messages per day number (Unix days) in (from, to]. */
	countsPerDay(from: number, to: number): { d: number; n: number }[] {
		const day = sql<number>`${messages.createdAt} / 86400`;
		return this.db
			.select({ d: day, n: count() })
			.from(messages)
			.where(and(gt(messages.seq, from), lte(messages.seq, to)))
			.groupBy(day)
			.all();
	}

	/** Each sender's last sequence in (from, to]. */
	lastPerSender(from: number, to = Number.MAX_SAFE_INTEGER): { senderId: string; s: number }[] {
		return this.db
			.select({ senderId: messages.senderId, s: max(messages.seq) })
			.from(messages)
			.where(and(gt(messages.seq, from), lte(messages.seq, to)))
			.groupBy(messages.senderId)
			.all()
			.map((r) => ({ senderId: r.senderId, s: r.s ?? 0 }));
	}
}

export function rowToMessage(convId: string, kind: ConversationKind, r: MessageRow): MessageData {
	return {
		messageId: r.messageId,
		conversationId: convId,
		conversationType: kind,
		senderId: r.senderId,
		contentType: r.contentType,
		content: r.content,
		sequence: r.seq,
		status: r.status,
		replyTo: r.replyTo,
		atUsers: JSON.parse(r.atUsers) as string[],
		createdAt: r.createdAt,
		timestamp: r.createdAt,
	};
}

/** A just-stored message as the row a summary reads, so the summary needs no read of it back. */
export const lastRowOf = (m: MessageData) => ({
	messageId: m.messageId,
	contentType: m.contentType,
	content: m.content,
	status: m.status,
	createdAt: m.createdAt,
	seq: m.sequence,
});
