import { and, eq } from "drizzle-orm";
import type { Bindings } from "../domain/env";
import { pushLogs, pushTokens, userSettings } from "../schema";
import { dbOf } from "./client";

/** The offline push's queries: the user's push settings and device tokens, and the push log. */

export type PushTokenRow = Pick<typeof pushTokens.$inferSelect, "deviceId" | "pushToken" | "platform">;
export type PushLogEntry = Omit<typeof pushLogs.$inferInsert, "id">;

/** Where a push to the user goes and how: their settings (undefined: the defaults) and device tokens, in one batch. */
export async function pushTargets(env: Bindings, userId: string) {
	const db = dbOf(env);
	const [settings, tokens] = await db.batch([
		db
			.select({
				notificationEnabled: userSettings.notificationEnabled,
				messagePreviewEnabled: userSettings.messagePreviewEnabled,
			})
			.from(userSettings)
			.where(eq(userSettings.userId, userId)),
		db
			.select({ deviceId: pushTokens.deviceId, pushToken: pushTokens.pushToken, platform: pushTokens.platform })
			.from(pushTokens)
			.where(eq(pushTokens.userId, userId)),
	]);
	return { settings: settings[0], tokens: tokens as PushTokenRow[] };
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
