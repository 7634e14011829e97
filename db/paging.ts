import { count, type SQL } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Db } from "./client";

export interface PageParams {
	page: number;
	pageSize: number;
}

/**
 * One page of rows and the total it is cut from, in one D1 batch. `rows` is the page's query
 * without limit/offset (its ORDER BY must be total, ending on a unique column, so pages neither
 * repeat nor skip rows); `total` counts the same FROM/WHERE.
 */
export async function fetchPage<T>(
	db: Db,
	rows: { limit(n: number): { offset(n: number): PromiseLike<T[]> } },
	total: PromiseLike<{ n: number }[]>,
	p: PageParams,
): Promise<{ rows: T[]; total: number }> {
	const pageQuery = rows.limit(p.pageSize).offset((p.page - 1) * p.pageSize);
	// drizzle types batch() by its own builder classes; both are builders of this db, erased here.
	const [counted, list] = (await db.batch([total as any, pageQuery as any])) as [{ n: number }[], T[]];
	return { rows: list, total: Number(counted[0]?.n ?? 0) };
}

/** The count half of a page: `SELECT count(*) AS n FROM table WHERE where`. */
export const countOf = (db: Db, table: SQLiteTable, where?: SQL) => db.select({ n: count() }).from(table).where(where);
