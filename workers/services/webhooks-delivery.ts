import { webhooksByIds } from "../../db/webhooks";
import type { Bindings } from "../../domain/env";
import { logLine } from "../../platform/log";
import type { WebhookJob } from "../../platform/webhook-events";
import { postWebhook } from "../../platform/webhook-post";

/** Default of WEBHOOK_RETRY_BASE_SECONDS: the first retry's delay. */
export const RETRY_BASE_SECONDS = 10;
/** No retry waits longer than this (the Queue's own limit on a delay is 12 hours). */
export const RETRY_MAX_SECONDS = 3600;

/** Delay before the next attempt after `attempts` failed ones: base × 2^(attempts − 1), capped. */
export function retryDelaySeconds(attempts: number, base = RETRY_BASE_SECONDS): number {
	return Math.min(RETRY_MAX_SECONDS, Math.round(base * 2 ** Math.max(0, attempts - 1)));
}

const retryBaseOf = (env: Bindings) => {
	const raw = env.WEBHOOK_RETRY_BASE_SECONDS?.trim();
	const n = Number(raw);
	return raw && Number.isFinite(n) && n >= 0 ? n : RETRY_BASE_SECONDS;
};

/** One attempt: true when the hook answered 2xx in time. */
async function attempt(hook: { url: string; secret: string; timeoutMs: number }, job: WebhookJob): Promise<boolean> {
	try {
		const res = await postWebhook(hook, job.delivery);
		await res.body?.cancel();
		return res.ok;
	} catch {
		return false;
	}
}

/**
 * Queue consumer of `anychat-webhooks`: POSTs each job to its hook (read fresh from D1, one
 * query per batch, so a changed secret or a deletion applies). 2xx acks; anything else — an
 * error status, a timeout, a refused connection, a redirect — is retried with exponential
 * backoff; after the consumer's max_retries the Queue moves it to `anychat-webhooks-dlq`.
 * A job whose hook was deleted is acked and dropped.
 */
export async function consumeWebhooks(batch: MessageBatch<WebhookJob>, env: Bindings): Promise<void> {
	const hooks = await webhooksByIds(env, [...new Set(batch.messages.map((m) => m.body.hookId))]);
	const base = retryBaseOf(env);
	await Promise.all(
		batch.messages.map(async (msg) => {
			const hook = hooks.get(msg.body.hookId);
			if (!hook) return msg.ack();
			if (await attempt(hook, msg.body)) return msg.ack();
			const delaySeconds = retryDelaySeconds(msg.attempts, base);
			const { event } = msg.body.delivery;
			logLine({
				level: "warn",
				event: "webhook delivery failed",
				webhookId: hook.id,
				hookEvent: event,
				attempt: msg.attempts,
				retryInSeconds: delaySeconds,
			});
			msg.retry({ delaySeconds });
		}),
	);
}
