/**
 * Groups above LARGE_GROUP_MEMBERS (3 in this project) fan out to the hubs of online members
 * only: offline members cost no call per message, read unread counts and order from the group
 * when they list sessions, and get coalesced pushes through the queue.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ok } from "./fixtures/api";
import { chatUser, closeAll, newIn, sendWs } from "./fixtures/chat";
import { makeGroup } from "./fixtures/social";
import { registerUser, type TestUser } from "./fixtures/users";
import { connect, type Frame } from "./fixtures/ws";

const conv = (id: string) => env.CONVERSATION.getByName(`conv:${id}`);
const onlineIn = (groupId: string) =>
	runInDurableObject(conv(groupId), (_o, state) =>
		state.storage.sql
			.exec<{ user_id: string }>("SELECT user_id FROM online")
			.toArray()
			.map((r) => r.user_id)
			.sort(),
	);

/** What a hub holds in memory for one conversation, without refreshing it (as the fan-out left it). */
const hubRow = (userId: string, conversationId: string) =>
	runInDurableObject(env.USER_HUB.getByName(`user:${userId}`), (hub) => {
		const index = (hub as unknown as { index: { sessions: Map<string, { lastSeq: number }> } }).index;
		return index.sessions.get(conversationId)?.lastSeq ?? null;
	});

const pushesOf = async (userId: string) =>
	(
		await env.DB.prepare("SELECT type, body FROM push_logs WHERE user_id = ? ORDER BY id")
			.bind(userId)
			.all<{ type: string; body: string }>()
	).results;

const until = async <T>(probe: () => Promise<T>, done: (v: T) => boolean, what: string): Promise<T> => {
	const deadline = Date.now() + 10_000;
	for (;;) {
		const v = await probe();
		if (done(v)) return v;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
		await new Promise((r) => setTimeout(r, 50));
	}
};

const registerToken = (u: TestUser) =>
	ok("POST", "/users/me/push-token", {
		token: u.token,
		body: { deviceId: u.deviceId, pushToken: `tok-${u.userId}`, platform: "Android" },
	});

const say = (s: Parameters<typeof sendWs>[0], groupId: string, text: string, extra: Record<string, unknown> = {}) =>
	sendWs(s, { conversationId: groupId, conversationType: "group", content: JSON.stringify({ text }), ...extra });

describe("large groups: fan-out to online members only", () => {
	it("delivers live to online members, calls no offline hub, and offline members read the right unread and order", async () => {
		const [sender, online] = await Promise.all([chatUser(), chatUser()]);
		const [away1, away2] = await Promise.all([registerUser(), registerUser()]);
		const g = (await makeGroup(sender, [online, away1, away2])).groupId;
		// The sockets opened before the group existed: joining while online subscribes them.
		await until(
			() => onlineIn(g),
			(ids) => ids.length === 2,
			"both online members subscribed",
		);
		expect(await onlineIn(g)).toEqual([sender.userId, online.userId].sort());

		for (const t of ["one", "two", "three"]) expect((await say(sender.a, g, t)).type).toBe("message.sent");
		await online.a.waitForMessages(newIn(g), 3);
		await online.b.waitForMessages(newIn(g), 3);
		expect(online.a.frames.filter(newIn(g)).map((f) => f.payload.data.sequence)).toEqual([1, 2, 3]);

		// The offline hubs were not called per message: their rows still stand where the join left them.
		expect(await hubRow(away1.userId, g)).toBe(0);
		// Read time: the row comes from the group, with the right unread count.
		const list = (await ok("GET", "/sessions", { token: away1.token })).list;
		expect(list).toEqual([expect.objectContaining({ sessionId: g, lastSeq: 3, unreadCount: 3 })]);
		expect((await ok("GET", "/sessions/unread/total", { token: away1.token })).totalUnread).toBe(3);
		await ok("POST", `/sessions/${g}/read`, { token: away1.token, body: { lastReadSeq: 2 } });
		expect((await ok("GET", `/sessions/${g}`, { token: away1.token })).unreadCount).toBe(1);
		// An online member's row is kept current by the fan-out itself.
		expect(await hubRow(online.userId, g)).toBe(3);
		closeAll(sender, online);
	});

	it("a member who connects is subscribed before the upgrade completes, and leaves the list when the last socket closes", async () => {
		const [sender, m1, m2, m3] = await Promise.all([chatUser(), registerUser(), registerUser(), registerUser()]);
		const g = (await makeGroup(sender, [m1, m2, m3])).groupId;
		await say(sender.a, g, "before");
		const s = await connect(m1.token);
		// Subscribed by the time the socket is open, and its row brought up to date.
		expect(await onlineIn(g)).toContain(m1.userId);
		expect(await hubRow(m1.userId, g)).toBe(1);
		await say(sender.a, g, "live");
		const [f] = await s.waitForMessages(newIn(g));
		expect(f!.payload.data.sequence).toBe(2);
		s.close();
		await until(
			() => onlineIn(g),
			(ids) => !ids.includes(m1.userId),
			"m1 unsubscribed",
		);
		await say(sender.a, g, "after");
		expect((await ok("GET", `/sessions/${g}`, { token: m1.token })).unreadCount).toBe(3);
		closeAll(sender);
	});

	it("pushes an offline member once per coalescing window (a mention always), and drops a stale presence", async () => {
		const sender = await chatUser();
		const [away, ghost, muted] = await Promise.all([registerUser(), registerUser(), registerUser()]);
		for (const u of [away, ghost, muted]) await registerToken(u);
		const g = (await makeGroup(sender, [away, ghost, muted])).groupId;
		// A member recorded online whose hub has no socket (as after a kill -9 of the server).
		await runInDurableObject(conv(g), (o, state) => {
			state.storage.sql.exec("INSERT INTO online (user_id) VALUES (?)", ghost.userId);
			(o as unknown as { presence: { ids: Set<string> | null } }).presence.ids = null;
		});
		await say(sender.a, g, "first");
		// The consumer applies the session mute when it runs: mute only once "first" was pushed.
		await until(
			() => pushesOf(muted.userId),
			(r) => r.length >= 1,
			"muted's first push",
		);
		await ok("PUT", `/sessions/${g}/mute`, { token: muted.token, body: { muted: true } });
		for (const t of ["second", "third"]) await say(sender.a, g, t);
		await say(sender.a, g, "hey you", { atUsers: [away.userId] });
		const awayPushes = await until(
			() => pushesOf(away.userId),
			(r) => r.length >= 2,
			"away's pushes",
		);
		// "first" pushed; "second" and "third" fell in its window; the mention pushed anyway.
		expect(awayPushes.map((r) => r.type)).toEqual(["message.new", "message.mentioned"]);
		expect(awayPushes.map((r) => r.body)).toEqual(["first", "hey you"]);
		// The ghost was called once, found without a socket, dropped from the list, and pushed once.
		expect(await onlineIn(g)).toEqual([sender.userId]);
		expect((await pushesOf(ghost.userId)).map((r) => r.body)).toEqual(["first"]);
		// The muted member was pushed for "first" (before the mute) and never again.
		await new Promise((r) => setTimeout(r, 300));
		expect((await pushesOf(muted.userId)).map((r) => r.body)).toEqual(["first"]);
		closeAll(sender);
	});

	it("keeps a member whose hub came back online during the round that found it without a socket", async () => {
		const [owner, a, b, c] = await Promise.all([registerUser(), registerUser(), registerUser(), registerUser()]);
		const g = (await makeGroup(owner, [a, b, c])).groupId;
		const kept = await runInDurableObject(conv(g), (o) => {
			type P = { mark(u: string, on: boolean): void; dropStale(u: string, t: number): void; has(u: string): boolean };
			const presence = (o as unknown as { presence: P }).presence;
			const roundStart = Date.now();
			presence.mark(a.userId, true); // the hub reconnected while the round was out
			presence.dropStale(a.userId, roundStart);
			const afterReconnect = presence.has(a.userId);
			// A round that began after that report found it without a socket (a second later: the
			// object's clock may have moved between the two reads above).
			presence.dropStale(a.userId, Date.now() + 1000);
			return [afterReconnect, presence.has(a.userId)];
		});
		expect(kept).toEqual([true, false]);
	});
	it("tells a group event live to its online members and to joiners; offline members read it from D1", async () => {
		const [owner, online, joiner] = await Promise.all([chatUser(), chatUser(), chatUser()]);
		const [away1, away2] = await Promise.all([registerUser(), registerUser()]);
		const g = (await makeGroup(owner, [online, away1, away2])).groupId;
		await until(
			() => onlineIn(g),
			(ids) => ids.length === 2,
			"both online members subscribed",
		);
		await ok("PUT", `/groups/${g}`, { token: owner.token, body: { name: "renamed" } });
		for (const s of [owner.a, owner.b, online.a, online.b])
			expect((await s.waitForNotification("group.info_updated"))[0]!.payload.data).toMatchObject({ groupId: g });
		// A joiner with open sockets is not in the group's presence yet: told as a joiner, then subscribed.
		await ok("POST", `/groups/${g}/members`, { token: owner.token, body: { userIds: [joiner.userId] } });
		const joinedNow = (f: Frame) =>
			f.type === "notification" &&
			f.payload?.notificationType === "group.member_joined" &&
			f.payload.data.userIds.includes(joiner.userId);
		for (const s of [owner.a, online.a, joiner.a, joiner.b]) {
			const [f] = await s.waitForMessages(joinedNow);
			expect(f!.payload.data).toMatchObject({ groupId: g, userIds: [joiner.userId], memberCount: 5 });
		}
		await until(
			() => onlineIn(g),
			(ids) => ids.includes(joiner.userId),
			"the joiner subscribed",
		);
		// Offline, the change is in what they read.
		expect((await ok("GET", `/groups/${g}`, { token: away1.token })).name).toBe("renamed");
		closeAll(owner, online, joiner);
	});
});
