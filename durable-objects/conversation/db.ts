import { type DrizzleSqliteDODatabase, drizzle } from "drizzle-orm/durable-sqlite";
import * as schema from "./schema";

export type ConversationDb = DrizzleSqliteDODatabase<typeof schema>;

/**
 * drizzle over the object's SQLite. It reaches `sql` through `host` at each statement, so a test
 * that wraps the object's `sql` sees every statement the modules run.
 */
export function conversationDb(storage: DurableObjectStorage, host: { readonly sql: SqlStorage }): ConversationDb {
	const client = {
		get sql() {
			return host.sql;
		},
		transactionSync: <T>(fn: () => T) => storage.transactionSync(fn),
	};
	return drizzle(client as unknown as DurableObjectStorage, { schema });
}

/** An object's `sql` field as the modules' storage handle, read at each use. */
export const sqlHost = (o: object) => ({
	get sql(): SqlStorage {
		return (o as { sql: SqlStorage }).sql;
	},
});
