import type { Bindings } from "../domain/env";
import { utcDay } from "../domain/time";

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
