import { type PushTargets, pushTargetsOf, recordPushAttempt } from "../../db/push";
import type { Bindings } from "../../domain/env";
import { now } from "../../domain/time";
import { logError } from "../../platform/log";
import { notify } from "../../platform/notify";
import { jobsOf, type PushJob, type QueuedPush } from "../../platform/push-jobs";
import { hubFor } from "../../platform/stubs";
import { CredentialError } from "./credentials";
import { providerFor } from "./providers";

/** Body text when the user turned message previews off. */
const HIDDEN_PREVIEW = "你有一条新消息";

/**
 * Sends one push job to every token of the user, honouring `notificationEnabled` and
 * `messagePreviewEnabled`. Dead tokens are deleted and the user is told (`push.token_invalid`).
 */
export async function deliverPush(env: Bindings, job: PushJob, targets: PushTargets | undefined): Promise<void> {
	if (!targets) return;
	const { settings, tokens } = targets;
	if (settings && !settings.notificationEnabled) return;
	if (!tokens.length) return;
	const isMessage = job.type === "message.new" || job.type === "message.mentioned";
	const body = isMessage && settings?.messagePreviewEnabled === false ? HIDDEN_PREVIEW : job.body;
	const hub = hubFor(env, job.userId);
	let badge = 0;
	if (job.checkMute) {
		// A large group queues its pushes without asking the member's hub: the session mute applies here.
		const state = await hub.pushState(job.conversationId).catch(() => ({ muted: false, totalUnread: 0 }));
		if (state.muted) return;
		badge = state.totalUnread;
	} else {
		badge = await hub.totalUnread().catch(() => 0);
	}
	const message = {
		title: job.title,
		body,
		badge,
		data: { ...job.data, notificationType: job.type, conversationId: job.conversationId },
	};
	for (const t of tokens) {
		const provider = providerFor(env, t.platform);
		let outcome: Awaited<ReturnType<typeof provider.send>>;
		let error: string | undefined;
		try {
			outcome = await provider.send(t.pushToken, message);
		} catch (e) {
			// A provider's failure is logged and the job acknowledged, never retried by the queue: a
			// refused or malformed credential would be refused again, and the queue's retry would
			// push the message's other users a second time.
			error = e instanceof CredentialError ? `credential: ${e.message}` : String(e);
			logError("push provider failed", error, { provider: provider.name });
			outcome = "failed";
		}
		const entry = {
			userId: job.userId,
			deviceId: t.deviceId,
			provider: provider.name,
			type: job.type,
			title: job.title,
			body,
			conversationId: job.conversationId,
			status: outcome,
			error,
			createdAt: now(),
		};
		await recordPushAttempt(env, entry, outcome === "invalid" ? t : undefined);
		if (outcome === "invalid") {
			await notify(env, [job.userId], "push.token_invalid", {
				userId: job.userId,
				deviceId: t.deviceId,
				platform: t.platform,
			});
		}
	}
}

/**
 * Queue consumer of `anychat-push`. Every user of the batch is looked up at once (most members of
 * a large group have no device token and cost nothing more); a message whose delivery failed for
 * any of its users is retried by the queue (at least once: its other users may get the push twice).
 */
export async function consumePush(batch: MessageBatch<QueuedPush | PushJob>, env: Bindings): Promise<void> {
	const jobs = batch.messages.map((msg) => jobsOf(msg.body));
	const targets = await pushTargetsOf(env, [...new Set(jobs.flat().map((j) => j.userId))]);
	for (const [i, msg] of batch.messages.entries()) {
		try {
			for (const job of jobs[i]!) await deliverPush(env, job, targets.get(job.userId));
			msg.ack();
		} catch (e) {
			logError("push job failed", e);
			msg.retry();
		}
	}
}
