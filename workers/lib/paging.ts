import type { Bindings } from "../../domain/env";

export interface PageParams {
	page: number;
	pageSize: number;
}

export interface PageQuery {
	/** The column list, without SELECT. */
	select: string;
	/** `FROM … [JOIN …] [WHERE …]`: shared by the count and the page, so the two always agree. */
	from: string;
	/** Without ORDER BY; must be total (end on a unique column) so pages neither repeat nor skip rows. */
	orderBy: string;
	args?: unknown[];
}

/** One page of rows and the total it is cut from, in one D1 batch. */
export async function fetchPage<T>(env: Bindings, q: PageQuery, p: PageParams): Promise<{ rows: T[]; total: number }> {
	const db = env.DB;
	const args = q.args ?? [];
	const [count, rows] = await db.batch<Record<string, unknown>>([
		db.prepare(`SELECT COUNT(*) AS n ${q.from}`).bind(...args),
		db
			.prepare(`SELECT ${q.select} ${q.from} ORDER BY ${q.orderBy} LIMIT ? OFFSET ?`)
			.bind(...args, p.pageSize, (p.page - 1) * p.pageSize),
	]);
	return { rows: rows!.results as T[], total: Number(count!.results[0]?.n ?? 0) };
}

/** The wire shape of a paged list (WIRE-PROFILE): `{list, total, page, pageSize}`. */
export const pageOut = <T>(list: T[], total: number, p: PageParams) => ({
	list,
	total,
	page: p.page,
	pageSize: p.pageSize,
});
