/** A Conversation's own SQLite: its layout, from drizzle-kit migrations (drizzle/), and its bookkeeping. */
import { eq } from "drizzle-orm";
import { migrate } from "drizzle-orm/durable-sqlite/migrator";
import { hasTable, recordBaselineApplied } from "../drizzle-baseline";
import type { ConversationDb } from "./db";
import migrations from "./drizzle/migrations";
import { bookkeeping } from "./schema";

export type { MessageRow } from "./schema";

/** Integer settings of the object's own bookkeeping (legacy schema version, flush checkpoint). */
export class Bookkeeping {
	constructor(private readonly db: ConversationDb) {}

	get(key: string): number {
		return this.db.select().from(bookkeeping).where(eq(bookkeeping.key, key)).get()?.value ?? 0;
	}

	set(key: string, value: number): void {
		this.db
			.insert(bookkeeping)
			.values({ key, value })
			.onConflictDoUpdate({ target: bookkeeping.key, set: { value } })
			.run();
	}
}

/** The hand-written layout versions this object had before drizzle-kit: 3 equals the baseline migration. */
const LEGACY_VERSION = 3;

/**
 * Brings storage to the latest layout: the drizzle-kit migrations in drizzle/, applied in order
 * and recorded in `__drizzle_migrations`, in one transaction. An object created before them (its
 * `messages` table made by hand, versions 1–3 in `bookkeeping`) is first upgraded to version 3,
 * which is the baseline's layout, and the baseline is recorded as applied.
 */
export async function openStorage(storage: DurableObjectStorage, db: ConversationDb, keep: Bookkeeping): Promise<void> {
	const sql = storage.sql;
	if (!hasTable(sql, "__drizzle_migrations") && hasTable(sql, "messages")) {
		storage.transactionSync(() => adoptLegacy(sql, keep));
	}
	await migrate(db, migrations);
}

/**
 * Versions of the hand-written layout, never edited once shipped (DDL on tables that predate the
 * schema, hence raw statements):
 * - 2: the idempotency key is a column of `messages` (was the `local_ids` table), the
 *   message ID is no longer UNIQUE (lookups go through the seq inside the ID), and the
 *   sender's read position and the stats count are derived by the flush (was a `reads`
 *   upsert and an `uncounted` upsert per message).
 * - 3: each message records the device it came from and the fingerprint of its payload, so
 *   a retry is the same sender, device, localId and payload (see idempotency.ts).
 */
function adoptLegacy(sql: SqlStorage, keep: Bookkeeping): void {
	sql.exec("CREATE TABLE IF NOT EXISTS bookkeeping (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
	const version = keep.get("schema_version");
	if (version < 2) migrateFromV1(sql, keep);
	if (version < 3) {
		sql.exec("ALTER TABLE messages ADD COLUMN device_id TEXT NOT NULL DEFAULT ''");
		sql.exec("ALTER TABLE messages ADD COLUMN fingerprint TEXT NOT NULL DEFAULT ''");
	}
	sql.exec(
		"CREATE TABLE IF NOT EXISTS members (user_id TEXT PRIMARY KEY, role TEXT NOT NULL, muted INTEGER NOT NULL DEFAULT 0)",
	);
	sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
	sql.exec("CREATE TABLE IF NOT EXISTS reads (user_id TEXT PRIMARY KEY, read_seq INTEGER NOT NULL)");
	sql.exec(
		"CREATE TABLE IF NOT EXISTS hidden (user_id TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (user_id, seq))",
	);
	keep.set("schema_version", LEGACY_VERSION);
	// The baseline is what version 3 already is.
	recordBaselineApplied(sql, migrations);
}

/**
 * Schema 1 → 2 for objects that hold data. Every message of a v1 object was already counted
 * (in D1 or in `uncounted`, which the next flush adds and drops) and its sender's position
 * written to `reads`, so the flush checkpoint starts at the last message. The v1 UNIQUE
 * index on message_id stays: SQLite cannot drop an autoindex short of rebuilding the table,
 * and it costs old objects only what it always cost them.
 */
function migrateFromV1(sql: SqlStorage, keep: Bookkeeping): void {
	sql.exec("ALTER TABLE messages ADD COLUMN local_id TEXT NOT NULL DEFAULT ''");
	if (hasTable(sql, "local_ids")) {
		sql.exec(
			"UPDATE messages SET local_id = l.local_id FROM local_ids l WHERE l.seq = messages.seq AND l.sender_id = messages.sender_id",
		);
		sql.exec("DROP TABLE local_ids");
	}
	const last = sql.exec<{ s: number | null }>("SELECT MAX(seq) AS s FROM messages").one().s ?? 0;
	keep.set("flushed_seq", last);
}

/** Whether an object migrated from schema 1 still holds counts in `uncounted` (dropped by its next flush). */
export const hasLegacyUncounted = (sql: SqlStorage) => hasTable(sql, "uncounted");
