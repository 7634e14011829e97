/**
 * For objects whose tables were made by hand before drizzle-kit: drizzle's migrator keeps its own
 * bookkeeping table, which has no schema of ours, so these are raw statements.
 */

export const hasTable = (sql: SqlStorage, name: string) =>
	sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", name).toArray().length > 0;

/** Records the first migration of `migrations` as applied (the layout is already the baseline's). */
export function recordBaselineApplied(sql: SqlStorage, migrations: { journal: { entries: { when: number }[] } }): void {
	// The same table drizzle's migrator creates.
	sql.exec(
		'CREATE TABLE IF NOT EXISTS "__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)',
	);
	const baseline = migrations.journal.entries[0]!;
	sql.exec('INSERT INTO "__drizzle_migrations" ("hash", "created_at") VALUES (?, ?)', "", baseline.when);
}
