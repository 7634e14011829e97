/** A Conversation's own SQLite: its layout, created and upgraded once per version. */

/** A row of `messages`, as every reader of this object's storage sees it. */
export type MessageRow = {
	seq: number;
	message_id: string;
	sender_id: string;
	content_type: string;
	content: string;
	reply_to: string;
	at_users: string;
	status: number;
	created_at: number;
	local_id: string;
	device_id: string;
	fingerprint: string;
};

/** Storage layout version (the `bookkeeping` table); see migrateStorage(). */
const SCHEMA_VERSION = 3;

/** Integer settings of the object's own bookkeeping (schema version, flush checkpoint). */
export class Bookkeeping {
	constructor(private readonly host: { readonly sql: SqlStorage }) {}

	get(key: string): number {
		return (
			this.host.sql.exec<{ value: number }>("SELECT value FROM bookkeeping WHERE key = ?", key).toArray()[0]?.value ?? 0
		);
	}

	set(key: string, value: number): void {
		this.host.sql.exec(
			"INSERT INTO bookkeeping (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
			key,
			value,
		);
	}
}

const hasTable = (sql: SqlStorage, name: string) =>
	sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", name).toArray().length > 0;

/**
 * Creates or upgrades the storage layout, once per version (recorded in `bookkeeping`), in
 * one transaction so a failure leaves the old layout whole. Versions, never edited once shipped:
 * - 2: the idempotency key is a column of `messages` (was the `local_ids` table), the
 *   message ID is no longer UNIQUE (lookups go through the seq inside the ID), and the
 *   sender's read position and the stats count are derived by the flush (was a `reads`
 *   upsert and an `uncounted` upsert per message).
 * - 3: each message records the device it came from and the fingerprint of its payload, so
 *   a retry is the same sender, device, localId and payload (see idempotency.ts).
 */
export function migrateStorage(storage: DurableObjectStorage, bookkeeping: Bookkeeping): void {
	const sql = storage.sql;
	sql.exec(`CREATE TABLE IF NOT EXISTS bookkeeping (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`);
	const version = bookkeeping.get("schema_version");
	if (version >= SCHEMA_VERSION) return;
	storage.transactionSync(() => {
		const hasMessages = hasTable(sql, "messages");
		if (hasMessages && version < 2) migrateFromV1(sql, bookkeeping);
		if (hasMessages) migrateFromV2(sql);
		else
			sql.exec(`CREATE TABLE messages (
				seq INTEGER PRIMARY KEY,
				message_id TEXT NOT NULL,
				sender_id TEXT NOT NULL,
				content_type TEXT NOT NULL,
				content TEXT NOT NULL,
				reply_to TEXT NOT NULL DEFAULT '',
				at_users TEXT NOT NULL DEFAULT '[]',
				status INTEGER NOT NULL DEFAULT 0,
				created_at INTEGER NOT NULL,
				local_id TEXT NOT NULL DEFAULT '',
				device_id TEXT NOT NULL DEFAULT '',
				fingerprint TEXT NOT NULL DEFAULT ''
			)`);
		sql.exec(`CREATE TABLE IF NOT EXISTS members (
			user_id TEXT PRIMARY KEY,
			role TEXT NOT NULL,
			muted INTEGER NOT NULL DEFAULT 0
		)`);
		sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
		sql.exec(`CREATE TABLE IF NOT EXISTS reads (user_id TEXT PRIMARY KEY, read_seq INTEGER NOT NULL)`);
		sql.exec(`CREATE TABLE IF NOT EXISTS hidden (
			user_id TEXT NOT NULL,
			seq INTEGER NOT NULL,
			PRIMARY KEY (user_id, seq)
		)`);
		bookkeeping.set("schema_version", SCHEMA_VERSION);
	});
}

/**
 * Schema 1 → 2 for objects that hold data. Every message of a v1 object was already counted
 * (in D1 or in `uncounted`, which the next flush adds and drops) and its sender's position
 * written to `reads`, so the flush checkpoint starts at the last message. The v1 UNIQUE
 * index on message_id stays: SQLite cannot drop an autoindex short of rebuilding the table,
 * and it costs old objects only what it always cost them.
 */
function migrateFromV1(sql: SqlStorage, bookkeeping: Bookkeeping): void {
	sql.exec("ALTER TABLE messages ADD COLUMN local_id TEXT NOT NULL DEFAULT ''");
	if (hasTable(sql, "local_ids")) {
		sql.exec(
			"UPDATE messages SET local_id = l.local_id FROM local_ids l WHERE l.seq = messages.seq AND l.sender_id = messages.sender_id",
		);
		sql.exec("DROP TABLE local_ids");
	}
	const last = sql.exec<{ s: number | null }>("SELECT MAX(seq) AS s FROM messages").one().s ?? 0;
	bookkeeping.set("flushed_seq", last);
}

/** Schema 2 → 3: older rows keep '' in both (see IdempotencyWindow.load for how they match). */
function migrateFromV2(sql: SqlStorage): void {
	sql.exec("ALTER TABLE messages ADD COLUMN device_id TEXT NOT NULL DEFAULT ''");
	sql.exec("ALTER TABLE messages ADD COLUMN fingerprint TEXT NOT NULL DEFAULT ''");
}

/** Whether an object migrated from schema 1 still holds counts in `uncounted` (dropped by its next flush). */
export const hasLegacyUncounted = (sql: SqlStorage) => hasTable(sql, "uncounted");
