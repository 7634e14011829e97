import { and, eq, inArray } from "drizzle-orm";
import { chunks } from "../domain/chunks";
import type { Bindings } from "../domain/env";
import { pushLogs, pushTokens, userSettings } from "../schema";
import { dbOf } from "./client";

/** The offline push's queries: the user's push settings and device tokens, and the push log. */

export type PushTokenRow = Pick<typeof pushTokens.$inferSelect, "deviceId" | "pushToken" | "platform">;
export type PushLogEntry = Omit<typeof pushLogs.$inferInsert, "id">;

export interface PushTargets {
	/** Undefined: the user has no settings row (the defaults apply). */
	settings: { notificationEnabled: boolean; messagePreviewEnabled: boolean } | undefined;
	tokens: PushTokenRow[];
}

/**
 * Where a push to each of these users goes and how: their settings (undefined: the defaults) and
 * device tokens. Two statements per 90 users, so the many members of a large group who have no
 * device token cost the consumer almost nothing.
 */
export async function pushTargetsOf(env: Bindings, userIds: string[]): Promise<Map<string, PushTargets>> {
	const db = dbOf(env);
	const out = new Map<string, PushTargets>(
		userIds.map((id) => [id, { settings: undefined, tokens: [] as PushTokenRow[] }]),
	);
	for (const chunk of chunks(userIds)) {
		const [settings, tokens] = await db.batch([
			db
				.select({
					userId: userSettings.userId,
					notificationEnabled: userSettings.notificationEnabled,
					messagePreviewEnabled: userSettings.messagePreviewEnabled,
				})
				.from(userSettings)
				.where(inArray(userSettings.userId, chunk)),
			db
				.select({
					userId: pushTokens.userId,
					deviceId: pushTokens.deviceId,
					pushToken: pushTokens.pushToken,
					platform: pushTokens.platform,
				})
				.from(pushTokens)
				.where(inArray(pushTokens.userId, chunk)),
		]);
		for (const { userId, ...s } of settings) out.get(userId)!.settings = s;
		for (const { userId, ...t } of tokens) out.get(userId)!.tokens.push(t);
	}
	return out;
}

/**
 * Logs one push attempt; for a token the provider called dead (`invalid`), deletes that token
 * in the same batch (only if it is still the device's token).
 */
export async function recordPushAttempt(env: Bindings, entry: PushLogEntry, dead?: PushTokenRow): Promise<void> {
	const db = dbOf(env);
	const log = db.insert(pushLogs).values(entry);
	if (!dead) {
		await log;
		return;
	}
	await db.batch([
		log,
		db
			.delete(pushTokens)
			.where(
				and(
					eq(pushTokens.userId, entry.userId),
					eq(pushTokens.deviceId, dead.deviceId),
					eq(pushTokens.pushToken, dead.pushToken),
				),
			),
	]);
}
