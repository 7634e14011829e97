import { eq } from "drizzle-orm";
import { migrate } from "drizzle-orm/durable-sqlite/migrator";
import type { SessionRow } from "../../domain/session-rows";
import { hasTable, recordBaselineApplied } from "../drizzle-baseline";
import type { HubDb } from "./db";
import migrations from "./drizzle/migrations";
import { hubMeta, sessions } from "./schema";

/**
 * The hub's own SQLite, two tables (schema.ts): `sessions` (one JSON row per conversation of the
 * user: its flags and, for a checkpointing hub, the rest of the row) and `hub_meta` (`userId`; the
 * `checkpoint` and `dirty` marks, see checkpoint.ts). Every statement the hub runs is here.
 */
export async function openStorage(
	storage: DurableObjectStorage,
	db: HubDb,
): Promise<{ rows: SessionRow[]; meta: Map<string, string> }> {
	adoptHandWrittenLayout(storage);
	await migrate(db, migrations);
	const rows = db
		.select({ row: sessions.row })
		.from(sessions)
		.all()
		.map((r) => JSON.parse(r.row) as SessionRow);
	const meta = new Map(
		db
			.select()
			.from(hubMeta)
			.all()
			.map((r) => [r.key, r.value]),
	);
	return { rows, meta };
}

/**
 * A hub created before drizzle-kit made its two tables by hand, with the baseline migration's
 * layout: it records the baseline as applied instead of running it.
 */
function adoptHandWrittenLayout(storage: DurableObjectStorage): void {
	const sql = storage.sql;
	if (hasTable(sql, "__drizzle_migrations") || !hasTable(sql, "sessions")) return;
	storage.transactionSync(() => {
		sql.exec("CREATE TABLE IF NOT EXISTS hub_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
		recordBaselineApplied(sql, migrations);
	});
}

export function writeRow(db: HubDb, row: SessionRow): void {
	const text = JSON.stringify(row);
	db.insert(sessions)
		.values({ conversationId: row.conversationId, row: text })
		.onConflictDoUpdate({ target: sessions.conversationId, set: { row: text } })
		.run();
}

const setMeta = (db: HubDb, key: string, value: string) =>
	db.insert(hubMeta).values({ key, value }).onConflictDoUpdate({ target: hubMeta.key, set: { value } }).run();

export function rememberUser(db: HubDb, userId: string): void {
	setMeta(db, "userId", userId);
}

export function markDirty(db: HubDb): void {
	setMeta(db, "dirty", "1");
}

/** The end of the dirty mark: the rows in storage are the checkpoint. */
export function markCheckpointed(db: HubDb): void {
	db.delete(hubMeta).where(eq(hubMeta.key, "dirty")).run();
	setMeta(db, "checkpoint", "1");
}
