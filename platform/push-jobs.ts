import type { Bindings } from "../domain/env";

/** Notification types that reach an offline user as a push (push.md). */
export const PUSHABLE = [
	"message.new",
	"message.mentioned",
	"friend.request",
	"group.invited",
	"livekit.call_invite",
] as const;
export type PushableType = (typeof PUSHABLE)[number];

const TITLES: Record<PushableType, string> = {
	"message.new": "新消息",
	"message.mentioned": "有人@了你",
	"friend.request": "好友申请",
	"group.invited": "群组邀请",
	"livekit.call_invite": "来电",
};

/** One queued push: who, what kind, and the (preview) text; the consumer applies the user's settings. */
export interface PushJob {
	userId: string;
	type: PushableType;
	title: string;
	body: string;
	/** Conversation the push is about ("" if none), so clients can open it. */
	conversationId: string;
	/** String extras delivered with the push. */
	data: Record<string, string>;
	/**
	 * Queued without asking the user's hub (a large group's offline members): the consumer asks
	 * it whether the user muted the conversation. Other jobs were checked when they were queued.
	 */
	checkMute?: boolean;
}

export const pushJob = (
	userId: string,
	type: PushableType,
	body: string,
	data: Record<string, string> = {},
	conversationId = "",
): PushJob => ({ userId, type, title: TITLES[type], body, conversationId, data });

/** A queue message: one push for each of `userIds` (the same text for all of them). */
export type QueuedPush = Omit<PushJob, "userId"> & { userIds: string[] };

/** Below the Queue's 256 KB per sendBatch, with room for its per-message overhead. */
const SEND_BATCH_BYTES = 192 * 1024;

/** Users per queue message: a large group's offline members share one message per 100. */
const USERS_PER_MESSAGE = 100;

/** The users of each queue message with the job they get. */
export const jobsOf = (q: QueuedPush | PushJob): PushJob[] => {
	if (!("userIds" in q)) return [q];
	const { userIds, ...job } = q;
	return userIds.map((userId) => ({ ...job, userId }));
};

/**
 * Queues jobs: those that differ only in the user go together, up to USERS_PER_MESSAGE users a
 * message, and the messages in batches of 100 (the Queue's sendBatch limit).
 */
export async function enqueuePush(env: Bindings, jobs: PushJob[]): Promise<void> {
	const groups = new Map<string, QueuedPush>();
	const messages: QueuedPush[] = [];
	for (const { userId, ...job } of jobs) {
		const key = JSON.stringify(job);
		let q = groups.get(key);
		if (!q || q.userIds.length >= USERS_PER_MESSAGE) {
			q = { ...job, userIds: [] };
			groups.set(key, q);
			messages.push(q);
		}
		q.userIds.push(userId);
	}
	// A sendBatch takes at most 100 messages and 256 KB in all (a message of 100 users is ~4 KB).
	let batch: { body: QueuedPush }[] = [];
	let bytes = 0;
	for (const body of messages) {
		const size = JSON.stringify(body).length;
		if (batch.length && (batch.length === 100 || bytes + size > SEND_BATCH_BYTES)) {
			await env.PUSH_QUEUE.sendBatch(batch);
			batch = [];
			bytes = 0;
		}
		batch.push({ body });
		bytes += size;
	}
	if (batch.length) await env.PUSH_QUEUE.sendBatch(batch);
}

/**
 * For other features (friend requests, group invites, calls): after `notify()`, queue a push
 * for every target that no device reached.
 */
export async function pushIfOffline(
	env: Bindings,
	reached: Map<string, number>,
	type: PushableType,
	body: string,
	data: Record<string, string> = {},
): Promise<void> {
	const offline = [...reached].filter(([, n]) => n === 0).map(([userId]) => pushJob(userId, type, body, data));
	if (offline.length) await enqueuePush(env, offline);
}
