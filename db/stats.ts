import { and, count, countDistinct, desc, eq, gt, gte, isNull, max, sql, sum } from "drizzle-orm";
import type { Bindings } from "../domain/env";
import { utcDay } from "../domain/time";
import { dailyMessageCounts, deviceSessions, groups, users } from "../schema";
import { dbOf } from "./client";

/** The back office's counters: daily message counts, and what the stats overview counts. */

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

/** Several days' counts (a flush across midnight) in one statement: all are added or none. */
export async function addMessageCounts(env: Bindings, perDay: Map<string, number>): Promise<void> {
	const rows = [...perDay].filter(([, n]) => n > 0).map(([day, n]) => ({ day, count: n }));
	if (rows.length === 0) return;
	await dbOf(env)
		.insert(dailyMessageCounts)
		.values(rows)
		.onConflictDoUpdate({
			target: dailyMessageCounts.day,
			// The stored count plus the row's own: `excluded` is SQLite's name for the row being inserted.
			set: { count: sql`${dailyMessageCounts.count} + excluded.count` },
		});
}

/**
 * The stats overview's counts as of `t`, in one batch: users (all, banned, with a device session
 * refreshed in the last 7 days), active groups, messages today and in total.
 */
export async function overviewCounts(env: Bindings, t: number) {
	const db = dbOf(env);
	const [userCount, banned, active, groupCount, today, total] = await db.batch([
		db.select({ n: count() }).from(users),
		db.select({ n: count() }).from(users).where(eq(users.status, 2)),
		db
			.select({ n: countDistinct(deviceSessions.userId) })
			.from(deviceSessions)
			.where(gte(deviceSessions.refreshedAt, t - 7 * 86400)),
		db.select({ n: count() }).from(groups).where(eq(groups.status, 1)),
		db
			.select({ n: dailyMessageCounts.count })
			.from(dailyMessageCounts)
			.where(eq(dailyMessageCounts.day, utcDay(t))),
		db.select({ n: sum(dailyMessageCounts.count).mapWith(Number) }).from(dailyMessageCounts),
	]);
	return {
		totalUsers: userCount[0]?.n ?? 0,
		bannedUsers: banned[0]?.n ?? 0,
		activeUsers: active[0]?.n ?? 0,
		totalGroups: groupCount[0]?.n ?? 0,
		messagesToday: today[0]?.n ?? 0,
		totalMessages: total[0]?.n ?? 0,
	};
}

/**
 * The users who may hold a live socket as of `t` (an unrevoked, unexpired device session), the
 * most recently active first, at most `limit`.
 */
export async function sessionHolders(env: Bindings, t: number, limit: number): Promise<string[]> {
	const rows = await dbOf(env)
		.select({ userId: deviceSessions.userId, last: max(deviceSessions.refreshedAt) })
		.from(deviceSessions)
		.where(and(isNull(deviceSessions.revokedAt), gt(deviceSessions.expiresAt, t)))
		.groupBy(deviceSessions.userId)
		.orderBy(desc(max(deviceSessions.refreshedAt)))
		.limit(limit);
	return rows.map((r) => r.userId);
}
