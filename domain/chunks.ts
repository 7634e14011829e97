/**
 * SQLite (D1 and Durable Object storage alike) binds at most 100 parameters per statement:
 * lists of IDs go into `IN (…)` in slices of this size, leaving room for the statement's others.
 */
export const BIND_CHUNK = 90;

/** `list` in consecutive slices of at most `size`. */
export function chunks<T>(list: readonly T[], size = BIND_CHUNK): T[][] {
	const out: T[][] = [];
	for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
	return out;
}
