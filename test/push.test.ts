import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { enqueuePush, jobsOf, pushIfOffline, pushJob, type QueuedPush } from "../platform/push-jobs";
import { ok } from "./fixtures/api";
import { chatUser, closeAll, newIn, sendWs } from "./fixtures/chat";
import { makeGroup } from "./fixtures/social";
import { registerUser, type TestUser } from "./fixtures/users";

interface PushLog {
	user_id: string;
	provider: string;
	type: string;
	title: string;
	body: string;
	conversation_id: string;
	status: string;
}

const logsOf = async (userIds: string[]) =>
	(
		await env.DB.prepare(
			`SELECT user_id, provider, type, title, body, conversation_id, status FROM push_logs WHERE user_id IN (${userIds
				.map(() => "?")
				.join(",")}) ORDER BY id`,
		)
			.bind(...userIds)
			.all<PushLog>()
	).results;

/** Waits until the queue consumer has written `count` log rows for these users. */
async function waitForLogs(userIds: string[], count: number): Promise<PushLog[]> {
	const deadline = Date.now() + 15_000;
	for (;;) {
		const rows = await logsOf(userIds);
		if (rows.length >= count) return rows;
		if (Date.now() > deadline) throw new Error(`expected ${count} push log rows, got ${JSON.stringify(rows)}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

const registerToken = (u: TestUser, platform = "Android") =>
	ok("POST", "/users/me/push-token", {
		token: u.token,
		body: { deviceId: u.deviceId, pushToken: `tok-${u.userId}`, platform },
	});

describe("offline push", () => {
	it("queues a push for offline members only, honouring mute and the user's settings", async () => {
		const [sender, online] = await Promise.all([chatUser(), chatUser()]);
		const [offline, muted, quiet, noPreview] = await Promise.all([
			registerUser(),
			registerUser(),
			registerUser(),
			registerUser(),
		]);
		for (const u of [online, offline, muted, quiet, noPreview]) await registerToken(u);
		await ok("PUT", "/users/me/settings", { token: quiet.token, body: { notificationEnabled: false } });
		await ok("PUT", "/users/me/settings", { token: noPreview.token, body: { messagePreviewEnabled: false } });
		const g = (await makeGroup(sender, [online, offline, muted, quiet, noPreview])).groupId;

		// The muted user needs a session to mute: one message first, then mute.
		await sendWs(sender.a, { conversationId: g, conversationType: "group", content: "first" });
		await online.a.waitForMessages(newIn(g));
		await ok("PUT", `/sessions/${g}/mute`, { token: muted.token, body: { muted: true } });
		// Muted only after this first message, so it was pushed to them too.
		const initial = await waitForLogs([offline.userId, noPreview.userId, muted.userId], 3);
		expect(initial.map((r) => r.user_id).sort()).toEqual([offline.userId, noPreview.userId, muted.userId].sort());

		await sendWs(sender.a, {
			conversationId: g,
			conversationType: "group",
			content: JSON.stringify({ text: "secret plans" }),
			atUsers: [offline.userId],
		});
		await online.b.waitForMessages(newIn(g), 2);
		const rows = await waitForLogs([offline.userId, noPreview.userId], 4);
		const all = await logsOf([
			sender.userId,
			online.userId,
			offline.userId,
			muted.userId,
			quiet.userId,
			noPreview.userId,
		]);
		// The jobs of one message are queued together: nothing for the online member, the sender,
		// the muted session (beyond the first message) or the user with notifications off.
		const count = (id: string) => all.filter((r) => r.user_id === id).length;
		expect([sender, online, offline, muted, quiet, noPreview].map((u) => count(u.userId))).toEqual([0, 0, 2, 1, 0, 2]);
		const last = (id: string) => rows.filter((r) => r.user_id === id).at(-1)!;
		expect(last(offline.userId)).toMatchObject({
			provider: "log",
			type: "message.mentioned",
			title: "有人@了你",
			body: "secret plans",
			conversation_id: g,
			status: "sent",
		});
		expect(last(noPreview.userId)).toMatchObject({ type: "message.new", title: "新消息", body: "你有一条新消息" });
		closeAll(sender, online);
	});

	it("lets other features push events to users no device reached", async () => {
		const [away, here] = await Promise.all([registerUser(), registerUser()]);
		await registerToken(away, "iOS");
		await registerToken(here, "iOS");
		await pushIfOffline(
			env,
			new Map([
				[away.userId, 0],
				[here.userId, 2],
			]),
			"friend.request",
			"let's be friends",
			{ requestId: "7" },
		);
		const rows = await waitForLogs([away.userId, here.userId], 1);
		expect(rows).toEqual([
			expect.objectContaining({
				user_id: away.userId,
				type: "friend.request",
				title: "好友申请",
				body: "let's be friends",
				provider: "log",
			}),
		]);
	});

	it("queues jobs that differ only in the user as one message per 100 users", async () => {
		const sent: QueuedPush[] = [];
		const batches: number[] = [];
		// Records what reaches the Queue binding (the real queue carries these in the tests above),
		// holding it to the Queue's limits: 100 messages and 256 KB per sendBatch.
		const queue = {
			sendBatch: async (msgs: { body: QueuedPush }[]) => {
				const bytes = msgs.reduce((n, m) => n + JSON.stringify(m.body).length, 0);
				if (msgs.length > 100 || bytes > 256 * 1024)
					throw new Error(`sendBatch over the limits: ${msgs.length}, ${bytes} B`);
				batches.push(bytes);
				sent.push(...msgs.map((m) => m.body));
			},
		};
		const users = Array.from({ length: 250 }, (_, i) => `u${i}`);
		const jobs = [
			...users.map((u) => pushJob(u, "message.new", "hi", { messageId: "m1" }, "c1")),
			pushJob("u0", "message.mentioned", "hi", { messageId: "m1" }, "c1"),
		];
		await enqueuePush({ ...env, PUSH_QUEUE: queue as unknown as Queue }, jobs);
		expect(sent.map((q) => [q.type, q.userIds.length])).toEqual([
			["message.new", 100],
			["message.new", 100],
			["message.new", 50],
			["message.mentioned", 1],
		]);
		expect(sent.flatMap(jobsOf)).toEqual(jobs);
	});

	it("splits the pushes of 10,000 offline members into sendBatch calls within the Queue's limits", async () => {
		let users = 0;
		const queue = {
			sendBatch: async (msgs: { body: QueuedPush }[]) => {
				const bytes = msgs.reduce((n, m) => n + JSON.stringify(m.body).length, 0);
				if (msgs.length > 100 || bytes > 256 * 1024)
					throw new Error(`sendBatch over the limits: ${msgs.length}, ${bytes} B`);
				users += msgs.reduce((n, m) => n + m.body.userIds.length, 0);
			},
		};
		const jobs = Array.from({ length: 10_000 }, () =>
			pushJob(crypto.randomUUID(), "message.new", "hello everyone", { messageId: "m1", senderId: "s" }, "c1"),
		);
		await enqueuePush({ ...env, PUSH_QUEUE: queue as unknown as Queue }, jobs);
		expect(users).toBe(10_000);
	});
});
