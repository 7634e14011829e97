import { logError } from "../../platform/log";

/** Hub calls in flight at once when a conversation is announced to its new members. */
const ANNOUNCE_CONCURRENCY = 32;
/** Waits before the calls that failed are made again. */
const ANNOUNCE_RETRY_DELAYS_MS = [5_000, 30_000];

/**
 * Calls `track` for each new member, at most ANNOUNCE_CONCURRENCY at once, and makes the failed
 * calls again after each of ANNOUNCE_RETRY_DELAYS_MS. A hub that missed its call does not list
 * a large group, whose fan-out reaches only the hubs that subscribed to it, so a transient
 * failure (locally: 10,000 hubs started at once hold more files open than workerd may) must not
 * be final. What still fails after the last try is logged.
 */
export async function announceTo(
	userIds: string[],
	track: (userId: string) => Promise<unknown>,
	delaysMs: readonly number[] = ANNOUNCE_RETRY_DELAYS_MS,
): Promise<void> {
	let left = userIds;
	for (let attempt = 0; left.length; attempt++) {
		const failed: string[] = [];
		let next = 0;
		const worker = async () => {
			while (next < left.length) {
				const userId = left[next++]!;
				await track(userId).catch(() => failed.push(userId));
			}
		};
		await Promise.all(Array.from({ length: Math.min(ANNOUNCE_CONCURRENCY, left.length) }, worker));
		const delay = delaysMs[attempt];
		if (failed.length && delay === undefined) {
			logError("conversation not recorded by some new members' hubs", new Error(`${failed.length} hub calls failed`), {
				failed: failed.length,
			});
			return;
		}
		if (failed.length) await new Promise((resolve) => setTimeout(resolve, delay));
		left = failed;
	}
}
