/** SQL text for `wrangler d1 execute --file`: the bench writes its bulk seeds as literal statements. */

/** A string as an SQL literal. */
export const sqlText = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Rows of `cols` as multi-row INSERTs of at most 200 rows each (well under SQLite's statement limits). */
export function inserts(table: string, cols: string[], rows: (string | number | null)[][]): string[] {
	const out: string[] = [];
	const value = (v: string | number | null) => (v === null ? "NULL" : typeof v === "number" ? String(v) : sqlText(v));
	for (let i = 0; i < rows.length; i += 200) {
		const chunk = rows.slice(i, i + 200);
		out.push(
			`INSERT INTO ${table} (${cols.join(", ")}) VALUES ${chunk.map((r) => `(${r.map(value).join(", ")})`).join(", ")};`,
		);
	}
	return out;
}
