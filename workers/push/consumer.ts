import type { Bindings } from "../../domain/env";
import { now } from "../../domain/time";
import { notify } from "../../platform/notify";
import type { PushJob } from "../../platform/push-jobs";
import { hubFor } from "../../platform/stubs";
import { providerFor } from "./providers";

/** Body text when the user turned message previews off. */
const HIDDEN_PREVIEW = "你有一条新消息";

interface TokenRow {
	device_id: string;
	push_token: string;
	platform: string;
}

/**
 * Sends one push job to every token of the user, honouring `notificationEnabled` and
 * `messagePreviewEnabled`. Dead tokens are deleted and the user is told (`push.token_invalid`).
 */
export async function deliverPush(env: Bindings, job: PushJob): Promise<void> {
	const [settingsRes, tokensRes] = await env.DB.batch<any>([
		env.DB.prepare("SELECT notification_enabled, message_preview_enabled FROM user_settings WHERE user_id = ?").bind(
			job.userId,
		),
		env.DB.prepare("SELECT device_id, push_token, platform FROM push_tokens WHERE user_id = ?").bind(job.userId),
	]);
	const settings = settingsRes!.results[0] as
		| { notification_enabled: number; message_preview_enabled: number }
		| undefined;
	const tokens = tokensRes!.results as TokenRow[];
	if (settings && settings.notification_enabled !== 1) return;
	if (!tokens.length) return;
	const isMessage = job.type === "message.new" || job.type === "message.mentioned";
	const body = isMessage && settings?.message_preview_enabled === 0 ? HIDDEN_PREVIEW : job.body;
	const badge = await hubFor(env, job.userId)
		.totalUnread()
		.catch(() => 0);
	const message = {
		title: job.title,
		body,
		badge,
		data: { ...job.data, notificationType: job.type, conversationId: job.conversationId },
	};
	for (const t of tokens) {
		const provider = providerFor(env, t.platform);
		let outcome: Awaited<ReturnType<typeof provider.send>>;
		try {
			outcome = await provider.send(t.push_token, message);
		} catch (e) {
			console.error("push provider failed", provider.name, String(e));
			outcome = "failed";
		}
		await env.DB.prepare(
			`INSERT INTO push_logs (user_id, device_id, provider, type, title, body, conversation_id, status, created_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		)
			.bind(job.userId, t.device_id, provider.name, job.type, job.title, body, job.conversationId, outcome, now())
			.run();
		if (outcome === "invalid") {
			await env.DB.prepare("DELETE FROM push_tokens WHERE user_id = ? AND device_id = ? AND push_token = ?")
				.bind(job.userId, t.device_id, t.push_token)
				.run();
			await notify(env, [job.userId], "push.token_invalid", {
				userId: job.userId,
				deviceId: t.device_id,
				platform: t.platform,
			});
		}
	}
}

/** Queue consumer of `anychat-push`: a failed job is retried by the queue, the others are acked. */
export async function consumePush(batch: MessageBatch<PushJob>, env: Bindings): Promise<void> {
	for (const msg of batch.messages) {
		try {
			await deliverPush(env, msg.body);
			msg.ack();
		} catch (e) {
			console.error("push job failed", String(e));
			msg.retry();
		}
	}
}
