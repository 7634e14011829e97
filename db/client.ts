import type { BatchItem } from "drizzle-orm/batch";
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import * as schema from "../schema";

export type Db = DrizzleD1Database<typeof schema>;

/** One drizzle handle per D1 binding object (the binding may be a new object per request). */
const handles = new WeakMap<D1Database, Db>();

/**
 * Statements this isolate has sent to D1 (every query and every statement of a batch is prepared
 * once). Under `wrangler dev` the Worker and every object share one isolate, so the bench reads
 * the whole server's count from /health (development only) and reports D1 statements per message.
 */
export const d1Statements = { count: 0 };

const counted = (d1: D1Database): D1Database =>
	new Proxy(d1, {
		get(target, prop) {
			if (prop === "prepare")
				return (query: string) => {
					d1Statements.count++;
					return target.prepare(query);
				};
			const value = Reflect.get(target, prop, target);
			return typeof value === "function" ? value.bind(target) : value;
		},
	});

/** The query layer over D1: drizzle over the tables in schema/ (the same source as the migrations). */
export function dbOf(env: { DB: D1Database }): Db {
	let db = handles.get(env.DB);
	if (!db) {
		db = drizzle(counted(env.DB), { schema });
		handles.set(env.DB, db);
	}
	return db;
}

/** Runs statements built by several repositories as one D1 batch: all of them commit, or none. */
export async function runBatch(env: { DB: D1Database }, statements: BatchItem<"sqlite">[]): Promise<void> {
	const [first, ...rest] = statements;
	if (first) await dbOf(env).batch([first, ...rest]);
}
