import { and, asc, count, desc, eq, getTableColumns, gt, lte, notExists, type SQL, sql } from "drizzle-orm";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
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

/** Messages indexed per transaction while old messages are being indexed. */
const BACKFILL_CHUNK = 500;
/** Old messages indexed when the object starts; a search indexes the rest before it answers. */
export const BACKFILL_AT_START = 5_000;

export interface SearchFilter {
	/** The FTS5 expression (search-text.ts matchExpression). */
	match: string;
	userId: string;
	contentType?: string;
	upToSeq: number;
}

/**
 * The conversation's full-text index: one row per text message (rowid = seq), written in the
 * commit that stores the message and deleted when it is recalled. Messages stored before the
 * index existed (seq ≤ `search_backfill_end`, set by the migration) are indexed in steps.
 */
export class SearchIndex {
	private readonly bookkeeping: Bookkeeping;
	private readonly insertRow;
	/** Old messages up to this seq are indexed... */
	private backfilled = 0;
	/** ...of those up to this one. */
	private backfillEnd = 0;

	constructor(private readonly db: ConversationDb) {
		this.bookkeeping = new Bookkeeping(db);
		this.insertRow = db
			.insert(messageSearch)
			.values({ rowid: sql.placeholder("rowid"), body: sql.placeholder("body"), chars: sql.placeholder("chars") })
			.prepare();
	}

	/** Indexes a message's text, inside the caller's transaction; other content types have none. */
	add(seq: number, contentType: string, content: string): void {
		if (contentType !== "text") return;
		const text = textOfContent(content);
		if (!text) return;
		this.insertRow.run({ rowid: seq, ...indexedColumns(text) });
	}

	/** A recalled message leaves the index (contentless_delete=1 lets a row go by its rowid alone). */
	remove(seq: number): void {
		this.db.delete(messageSearch).where(eq(messageSearch.rowid, seq)).run();
	}

	/** At start-up: how far the old messages are indexed, and up to `budget` more of them. */
	open(budget = BACKFILL_AT_START): void {
		this.backfillEnd = this.bookkeeping.get("search_backfill_end");
		this.backfilled = this.bookkeeping.get("search_backfilled");
		this.catchUp(budget);
	}

	/** Indexes old messages, up to `budget` of them, a chunk per transaction with its progress. */
	catchUp(budget = Number.POSITIVE_INFINITY): void {
		while (this.backfilled < this.backfillEnd && budget > 0) {
			const rows = this.db
				.select({
					seq: messages.seq,
					contentType: messages.contentType,
					content: messages.content,
					status: messages.status,
				})
				.from(messages)
				.where(and(gt(messages.seq, this.backfilled), lte(messages.seq, this.backfillEnd)))
				.orderBy(asc(messages.seq))
				.limit(Math.min(BACKFILL_CHUNK, budget))
				.all();
			const to = rows.length ? rows[rows.length - 1]!.seq : this.backfillEnd;
			this.db.transaction(() => {
				for (const r of rows) if (r.status === 0) this.add(r.seq, r.contentType, r.content);
				this.bookkeeping.set("search_backfilled", to);
			});
			this.backfilled = to;
			budget -= Math.max(rows.length, 1);
		}
	}

	/** How many matches `f.userId` may see: not recalled, not deleted by them for themselves. */
	count(f: SearchFilter): number {
		return (
			this.db
				.select({ n: count() })
				.from(messageSearch)
				.innerJoin(messages, eq(messages.seq, messageSearch.rowid))
				.where(this.visibleMatches(f))
				.get()?.n ?? 0
		);
	}

	/** A page of those matches, newest first. */
	page(f: SearchFilter, offset: number, limit: number): MessageRow[] {
		return this.db
			.select(getTableColumns(messages))
			.from(messageSearch)
			.innerJoin(messages, eq(messages.seq, messageSearch.rowid))
			.where(this.visibleMatches(f))
			.orderBy(desc(messageSearch.rowid))
			.limit(limit)
			.offset(offset)
			.all();
	}

	/** The same page as sequence and time only. */
	hits(f: SearchFilter, offset: number, limit: number): { seq: number; createdAt: number }[] {
		return this.db
			.select({ seq: messages.seq, createdAt: messages.createdAt })
			.from(messageSearch)
			.innerJoin(messages, eq(messages.seq, messageSearch.rowid))
			.where(this.visibleMatches(f))
			.orderBy(desc(messageSearch.rowid))
			.limit(limit)
			.offset(offset)
			.all();
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
