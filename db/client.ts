import type { BatchItem } from "drizzle-orm/batch";
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import * as schema from "../schema";

export type Db = DrizzleD1Database<typeof schema>;

/** One drizzle handle per D1 binding object (the binding may be a new object per request). */
const handles = new WeakMap<D1Database, Db>();

/** The query layer over D1: drizzle over the tables in schema/ (the same source as the migrations). */
export function dbOf(env: { DB: D1Database }): Db {
	let db = handles.get(env.DB);
	if (!db) {
		db = drizzle(env.DB, { schema });
		handles.set(env.DB, db);
	}
	return db;
}

/** Runs statements built by several repositories as one D1 batch: all of them commit, or none. */
export async function runBatch(env: { DB: D1Database }, statements: BatchItem<"sqlite">[]): Promise<void> {
	const [first, ...rest] = statements;
	if (first) await dbOf(env).batch([first, ...rest]);
}
