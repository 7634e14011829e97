import type { Bindings } from "../env";
import { now } from "../lib/auth";
import { hubFor } from "./hubs";

export const utcDay = (t = now()) => new Date(t * 1000).toISOString().slice(0, 10);

/**
 * Adds `count` sent messages to the day's counter. NOT to be called per message: a
 * Conversation object derives its count from its stored messages and flushes it here in
 * batches (its alarm, at most every few seconds while messages arrive), so D1 sees a handful
 * of writes per conversation per minute at most. `messagesToday` is the sum of those flushes
 * for the current UTC day.
 */
export async function addMessageCount(env: Bindings, count: number, day = utcDay()): Promise<void> {
	await addMessageCounts(env, new Map([[day, count]]));
}

/** Several days' counts (a flush across midnight) in one D1 batch: all are added or none. */
export async function addMessageCounts(env: Bindings, perDay: Map<string, number>): Promise<void> {
	const add = env.DB.prepare(
		"INSERT INTO daily_message_counts (day, count) VALUES (?, ?) ON CONFLICT(day) DO UPDATE SET count = count + excluded.count",
	);
	const statements = [...perDay].filter(([, n]) => n > 0).map(([day, n]) => add.bind(day, n));
	if (statements.length) await env.DB.batch(statements);
}

/** Most UserHub objects asked per overview; beyond it the online count is a lower bound. */
export const ONLINE_PROBE_LIMIT = 200;

/**
 * Online users, counted from the UserHub objects: a user is online when their hub holds at
 * least one open socket. Only users with an unrevoked, unexpired device session can hold a
 * socket, so those are the candidates; the most recently active ONLINE_PROBE_LIMIT of them
 * are asked in parallel (`connectedDevices()`), and `exact` says whether that covered all.
 */
export async function countOnlineUsers(env: Bindings): Promise<{ online: number; exact: boolean }> {
	const t = now();
	const rows = await env.DB.prepare(
		`SELECT user_id, MAX(refreshed_at) AS last FROM device_sessions
		  WHERE revoked_at IS NULL AND expires_at > ?
		  GROUP BY user_id ORDER BY last DESC LIMIT ?`,
	)
		.bind(t, ONLINE_PROBE_LIMIT + 1)
		.all<{ user_id: string }>();
	const candidates = rows.results.slice(0, ONLINE_PROBE_LIMIT);
	const answers = await Promise.allSettled(candidates.map((r) => hubFor(env, r.user_id).connectedDevices()));
	const online = answers.filter((a) => a.status === "fulfilled" && a.value.length > 0).length;
	return { online, exact: rows.results.length <= ONLINE_PROBE_LIMIT };
}
