import type { NotificationData, NotificationType } from "../contracts/notifications";
import type { Bindings } from "../domain/env";
import { now } from "../domain/time";
import { logError } from "./log";
import { hubFor } from "./stubs";

export interface NotifyOptions {
	/** Skip one device (the one that caused the change). */
	excludeDevice?: string;
}

export const notificationFrame = <T extends NotificationType>(type: T, data: NotificationData<T>) => ({
	type: "notification" as const,
	payload: { notificationType: type, timestamp: now(), data },
});

/**
 * The one way every feature reaches users live: a `notification` frame to every connected
 * device of each user. Resolves to the number of devices reached per user (0 = offline), so
 * callers can decide on offline push. A hub that fails does not stop the others.
 */
export async function notify<T extends NotificationType>(
	env: Bindings,
	userIds: Iterable<string>,
	type: T,
	data: NotificationData<T>,
	options: NotifyOptions = {},
): Promise<Map<string, number>> {
	const frame = notificationFrame(type, data);
	const unique = [...new Set(userIds)];
	const results = await Promise.allSettled(
		unique.map((id) => hubFor(env, id).deliver(frame, options.excludeDevice ?? null)),
	);
	const reached = new Map<string, number>();
	results.forEach((r, i) => {
		reached.set(unique[i]!, r.status === "fulfilled" ? r.value : 0);
		if (r.status === "rejected") logError("notify failed", r.reason, { notificationType: type });
	});
	return reached;
}
