import { and, asc, count, desc, eq, getTableColumns, gt, lte, notExists, type SQL, sql } from "drizzle-orm";
import { integer, type SQLiteSelect, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { textOfContent } from "../../domain/message-format";
import type { ConversationDb } from "./db";
import { hidden, type MessageRow, messages } from "./schema";
import { indexedColumns } from "./search-text";
import { Bookkeeping } from "./storage";

/**
 * The FTS5 table of migration 0002. drizzle-kit cannot create a virtual table, so it is not in
 * schema.ts (which drizzle-kit migrates); it is declared here so queries can name it.
 */
const messageSearch = sqliteTable("message_search", {
	rowid: integer("rowid").notNull(),
	body: text("body").notNull(),
	chars: text("chars").notNull(),
});

/** Messages indexed per transaction. */
const CHUNK = 500;
/** Unindexed messages the object indexes at start-up; a search indexes the rest before it answers. */
export const INDEX_AT_START = 5_000;
/**
 * Unindexed messages that make the object index them after the send that stored them. One FTS5
 * commit writes about six SQLite pages whatever it holds, so one commit per message tripled a
 * message's disk writes; per 64 it is a tenth of a page each, and a search never has more than a
 * batch to index before it answers.
 */
export const INDEX_BATCH = 64;

export interface SearchFilter {
	/** The FTS5 expression (search-text.ts matchExpression). */
	match: string;
	userId: string;
	contentType?: string;
	upToSeq: number;
}

/**
 * The conversation's full-text index: one row per text message (rowid = seq). It is written in
 * batches behind a durable watermark, `search_indexed`: every message up to it is indexed, and
 * the watermark moves in the same commit as the rows it covers, so the index and the messages
 * never disagree after a crash. Messages above it are indexed before a search answers (so a
 * search finds every stored message), after a send once INDEX_BATCH of them wait, and by the
 * object's alarm. A recalled message leaves the index in the commit of the recall.
 */
export class SearchIndex {
	private readonly bookkeeping: Bookkeeping;
	private readonly insertRow;
	/** Every message with seq <= this is indexed. */
	private indexedSeq = 0;
	/** An index row with its message. */
	private readonly joined = eq(messages.seq, messageSearch.rowid);

	constructor(private readonly db: ConversationDb) {
		this.bookkeeping = new Bookkeeping(db);
		this.insertRow = db
			.insert(messageSearch)
			.values({ rowid: sql.placeholder("rowid"), body: sql.placeholder("body"), chars: sql.placeholder("chars") })
			.prepare();
	}

	/** Indexes a message's text, inside the caller's transaction; other content types have none. */
	private add(seq: number, contentType: string, content: string): void {
		if (contentType !== "text") return;
		const text = textOfContent(content);
		if (!text) return;
		this.insertRow.run({ rowid: seq, ...indexedColumns(text) });
	}

	/**
	 * A recalled message leaves the index (contentless_delete=1 lets a row go by its rowid alone);
	 * one not indexed yet is skipped by catchUp, which indexes only messages still shown.
	 */
	remove(seq: number): void {
		if (seq <= this.indexedSeq) this.db.delete(messageSearch).where(eq(messageSearch.rowid, seq)).run();
	}

	/** At start-up: how far the messages are indexed, and up to `budget` more of them. */
	open(lastSeq: number, budget = INDEX_AT_START): void {
		this.indexedSeq = this.bookkeeping.get("search_indexed");
		this.catchUp(lastSeq, budget);
	}

	/** Messages stored and not indexed yet. */
	pending(lastSeq: number): number {
		return lastSeq - this.indexedSeq;
	}

	/** Indexes the messages up to `lastSeq`, at most `budget` of them, a chunk per transaction with the watermark. */
	catchUp(lastSeq: number, budget = Number.POSITIVE_INFINITY): void {
		while (this.indexedSeq < lastSeq && budget > 0) {
			const rows = this.db
				.select({
					seq: messages.seq,
					contentType: messages.contentType,
					content: messages.content,
					status: messages.status,
				})
				.from(messages)
				.where(and(gt(messages.seq, this.indexedSeq), lte(messages.seq, lastSeq)))
				.orderBy(asc(messages.seq))
				.limit(Math.min(CHUNK, budget))
				.all();
			const to = rows.length ? rows[rows.length - 1]!.seq : lastSeq;
			this.db.transaction(() => {
				for (const r of rows) if (r.status === 0) this.add(r.seq, r.contentType, r.content);
				this.bookkeeping.set("search_indexed", to);
			});
			this.indexedSeq = to;
			budget -= Math.max(rows.length, 1);
		}
	}

	/** How many matches `f.userId` may see: not recalled, not deleted by them for themselves. */
	count(f: SearchFilter): number {
		return (
			this.db
				.select({ n: count() })
				.from(messageSearch)
				.innerJoin(messages, this.joined)
				.where(this.visibleMatches(f))
				.get()?.n ?? 0
		);
	}

	/** A page of those matches, newest first. */
	page(f: SearchFilter, offset: number, limit: number): MessageRow[] {
		const q = this.db.select(getTableColumns(messages)).from(messageSearch).innerJoin(messages, this.joined);
		return this.pageOf(q.$dynamic(), f, offset, limit).all();
	}

	/** The same page as sequence and time only. */
	hits(f: SearchFilter, offset: number, limit: number): { seq: number; createdAt: number }[] {
		const fields = { seq: messages.seq, createdAt: messages.createdAt };
		const q = this.db.select(fields).from(messageSearch).innerJoin(messages, this.joined);
		return this.pageOf(q.$dynamic(), f, offset, limit).all();
	}

	/** A select of index rows joined to their messages, narrowed to one page of `f`'s matches, newest first. */
	private pageOf<Q extends SQLiteSelect>(q: Q, f: SearchFilter, offset: number, limit: number): Q {
		return q.where(this.visibleMatches(f)).orderBy(desc(messageSearch.rowid)).limit(limit).offset(offset);
	}

	private visibleMatches(f: SearchFilter): SQL | undefined {
		const hiddenForUser = this.db
			.select({ one: sql`1` })
			.from(hidden)
			.where(and(eq(hidden.userId, f.userId), eq(hidden.seq, messageSearch.rowid)));
		return and(
			// MATCH has no drizzle operator; the expression is a bound parameter.
			sql`${messageSearch} MATCH ${f.match}`,
			lte(messageSearch.rowid, f.upToSeq),
			eq(messages.status, 0),
			f.contentType === undefined ? undefined : eq(messages.contentType, f.contentType),
			notExists(hiddenForUser),
		);
	}
}
