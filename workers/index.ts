import type { Bindings } from "../domain/env";
import { logError, logLine } from "../platform/log";
import type { PushJob, QueuedPush } from "../platform/push-jobs";
import type { WebhookJob } from "../platform/webhook-events";
import { app } from "./app";
import { consumePush } from "./push/consumer";
import { cleanupExpiredFiles } from "./services/files";
import { consumeWebhooks } from "./services/webhooks-delivery";

export { CallTimer } from "../durable-objects/call-timer";
export { Conversation } from "../durable-objects/conversation";
export { UserHub } from "../durable-objects/user-hub";

export default {
	fetch: app.fetch,
	/** Cron trigger (wrangler.toml): deletes expired files and abandoned uploads, object and row. */
	async scheduled(_controller, env, ctx) {
		ctx.waitUntil(
			cleanupExpiredFiles(env as Bindings).then(
				(n) => n > 0 && logLine({ event: "file cleanup", deleted: n }),
				(e) => logError("file cleanup failed", e),
			),
		);
	},
	/** One consumer per queue of wrangler.toml, told apart by the queue's name. */
	queue: (batch, env) =>
		batch.queue === "anychat-webhooks"
			? consumeWebhooks(batch as MessageBatch<WebhookJob>, env)
			: consumePush(batch as MessageBatch<QueuedPush | PushJob>, env),
} satisfies ExportedHandler<Env, QueuedPush | PushJob | WebhookJob>;
