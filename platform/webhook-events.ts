import type { AsyncWebhookEvent, WebhookDelivery, WebhookEventDataOf } from "../contracts/webhooks";
import type { Bindings } from "../domain/env";
import { now } from "../domain/time";
import { logError } from "./log";
import { hooksFor } from "./webhook-registry";

/**
 * One queue message: one event for one hook. Per hook rather than per event, so each receiver
 * has its own retries, backoff and dead letter: a hook that is down never makes the Queue
 * deliver an event again to the hooks that took it.
 */
export interface WebhookJob {
	hookId: string;
	delivery: WebhookDelivery;
}

/** Below the Queue's 256 KB per sendBatch (a message.created carries up to 32 KiB of content). */
const SEND_BATCH_BYTES = 192 * 1024;

/**
 * Queues `event` for every hook subscribed to it, one job per hook per item, after the change
 * is committed. Costs nothing (no D1 read, no queue call) while no hook subscribes: the hook
 * list comes from the per-isolate cache. Never throws: the change it reports has happened
 * already; a failure to queue is logged.
 */
export async function emitWebhookEvents<E extends AsyncWebhookEvent>(
	env: Bindings,
	event: E,
	/** Built only when some hook subscribes to the event (the send path pays nothing otherwise). */
	itemsOf: () => WebhookEventDataOf<E>[],
): Promise<void> {
	try {
		const hooks = await hooksFor(env, event);
		if (!hooks.length) return;
		const items = itemsOf();
		const queue = env.WEBHOOK_QUEUE;
		const timestamp = now();
		const jobs = items.flatMap((data) => {
			const delivery = { id: crypto.randomUUID(), event, timestamp, data } as WebhookDelivery;
			return hooks.map((h): WebhookJob => ({ hookId: h.id, delivery }));
		});
		let batch: { body: WebhookJob }[] = [];
		let bytes = 0;
		for (const body of jobs) {
			const size = JSON.stringify(body).length;
			if (batch.length && (batch.length === 100 || bytes + size > SEND_BATCH_BYTES)) {
				await queue.sendBatch(batch);
				batch = [];
				bytes = 0;
			}
			batch.push({ body });
			bytes += size;
		}
		if (batch.length) await queue.sendBatch(batch);
	} catch (e) {
		logError("webhook event not queued", e, { hookEvent: event });
	}
}

export const emitWebhookEvent = <E extends AsyncWebhookEvent>(env: Bindings, event: E, data: WebhookEventDataOf<E>) =>
	emitWebhookEvents(env, event, () => [data]);
