import { BEFORE_SEND_EVENT, BeforeSendReply, MAX_REJECT_REASON, type WebhookEventDataOf } from "../contracts/webhooks";
import { now } from "../domain/time";
import { postWebhook } from "./webhook-post";
import type { Hook } from "./webhook-registry";

export type BeforeSendData = WebhookEventDataOf<typeof BEFORE_SEND_EVENT>;

/** What the hooks decided: store (with the content they left), or refuse with a reason for the sender. */
export type Screened = { ok: true; content: string; replaced: boolean } | { ok: false; reason: string };

/** The reason a sender reads when a hook that fails closed timed out or answered badly. */
export const HOOK_UNAVAILABLE = "message hook unavailable";

/** One hook's answer, or null when it timed out, failed or answered something else. */
async function ask(hook: Hook, data: BeforeSendData) {
	try {
		const res = await postWebhook(hook, { id: crypto.randomUUID(), event: BEFORE_SEND_EVENT, timestamp: now(), data });
		if (!res.ok) {
			await res.body?.cancel();
			return null;
		}
		const parsed = BeforeSendReply.safeParse(await res.json());
		return parsed.success ? parsed.data : null;
	} catch {
		return null;
	}
}

/**
 * Runs a message past the message.before_send hooks, oldest first: each sees the content the
 * previous one left; the first reject decides. A hook that times out or answers badly lets the
 * message through when it fails open and refuses it otherwise.
 */
export async function screenMessage(hooks: Hook[], data: BeforeSendData): Promise<Screened> {
	let content = data.content;
	for (const hook of hooks) {
		const verdict = await ask(hook, { ...data, content });
		if (!verdict) {
			if (hook.failOpen) continue;
			return { ok: false, reason: HOOK_UNAVAILABLE };
		}
		if (verdict.action === "reject") {
			const reason = verdict.reason?.trim().slice(0, MAX_REJECT_REASON);
			return { ok: false, reason: reason || "message rejected" };
		}
		if (verdict.action === "replace") content = verdict.content;
	}
	return { ok: true, content, replaced: content !== data.content };
}
