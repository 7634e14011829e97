/**
 * A UserHub with many conversations (HUB_CHECKPOINT_SESSIONS, 2 in the suites) writes a
 * checkpoint of its list instead of rebuilding it from every Conversation after a restart:
 * a restart right after the checkpoint trusts storage, one that died with changes unwritten
 * rebuilds, and a small hub never writes anything per message.
 */
import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { UserHub } from "../durable-objects/user-hub";
import { ok } from "./fixtures/api";
import { makeFriends } from "./fixtures/social";
import { registerUser, type TestUser } from "./fixtures/users";

const hub = (userId: string) => env.USER_HUB.getByName(`user:${userId}`);

const send = (from: TestUser, conversationId: string, text: string) =>
	ok("POST", "/messages", {
		token: from.token,
		body: { conversationId, conversationType: "private", contentType: "text", content: JSON.stringify({ text }) },
	});

const listOf = async (u: TestUser) =>
	(await ok("GET", "/sessions", { token: u.token })).list
		.map((s: any) => [s.sessionId, s.lastSeq, s.unreadCount, s.lastMessage?.content ?? s.lastMessageContent])
		.sort((x: any, y: any) => String(x[0]).localeCompare(String(y[0])));

/** What a fresh instance decided at start-up, and what its storage says. */
const startUp = (userId: string) =>
	runInDurableObject(hub(userId), (instance: UserHub, state) => {
		const meta = state.storage.sql
			.exec<{ key: string }>("SELECT key FROM hub_meta")
			.toArray()
			.map((r) => r.key);
		return { rebuilds: (instance as unknown as { needsHydration: boolean }).needsHydration, meta };
	});

/** Waits until the fan-out reached the hub (the ack comes before it). */
const until = async (fn: () => Promise<boolean>) => {
	for (let i = 0; i < 200 && !(await fn()); i++) await new Promise((r) => setTimeout(r, 10));
};

/** A user with two friends, each of whom sent one message (b1, c1): a hub at the suites' checkpoint size. */
const withTwoChats = async () => {
	const [me, b, c] = await Promise.all([registerUser(), registerUser(), registerUser()]);
	const mb = await makeFriends(me, b);
	const mc = await makeFriends(me, c);
	await send(b, mb, "b1");
	await send(c, mc, "c1");
	return { me, b, c, mb, mc };
};

describe("UserHub checkpoint", () => {
	it("a large hub trusts its checkpoint after a restart and rebuilds when it died dirty", async () => {
		const { me, b, c, mb, mc } = await withTwoChats();
		await send(c, mc, "c2");
		await until(async () => (await listOf(me)).length === 2);
		const live = await listOf(me);
		expect(live.map((r: any) => r.slice(0, 3))).toEqual(
			[
				[mb, 1, 1],
				[mc, 2, 2],
			].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
		);

		// The checkpoint: every row as in memory, no dirty mark; a restart trusts it.
		expect(await runDurableObjectAlarm(hub(me.userId))).toBe(true);
		await evictDurableObject(hub(me.userId));
		const clean = await startUp(me.userId);
		expect(clean).toEqual({ rebuilds: false, meta: expect.arrayContaining(["checkpoint"]) });
		expect(clean.meta).not.toContain("dirty");
		expect(await listOf(me)).toEqual(live);

		// A change after the checkpoint marks the hub dirty; dying before the next checkpoint
		// means rebuilding from the Conversations, which still gives the exact list.
		await send(b, mb, "b2");
		await until(async () => (await listOf(me)).some((r: any) => r[0] === mb && r[1] === 2));
		await evictDurableObject(hub(me.userId));
		const dirty = await startUp(me.userId);
		expect(dirty.rebuilds).toBe(true);
		expect(dirty.meta).toContain("dirty");
		const rebuilt = await listOf(me);
		expect(rebuilt.find((r: any) => r[0] === mb).slice(1, 3)).toEqual([2, 2]);

		// The rebuilt instance checkpoints again, and the next restart trusts it.
		expect(await runDurableObjectAlarm(hub(me.userId))).toBe(true);
		await evictDurableObject(hub(me.userId));
		expect((await startUp(me.userId)).rebuilds).toBe(false);
		expect(await listOf(me)).toEqual(rebuilt);

		// Reading is a change too: after a checkpoint, the read position survives a trusted restart.
		await ok("POST", `/sessions/${mc}/read`, { token: me.token, body: {} });
		expect(await runDurableObjectAlarm(hub(me.userId))).toBe(true);
		await evictDurableObject(hub(me.userId));
		expect((await startUp(me.userId)).rebuilds).toBe(false);
		expect((await listOf(me)).find((r: any) => r[0] === mc).slice(1, 3)).toEqual([2, 0]);
	});

	it("a hub that dies before its first checkpoint keeps its alarm, rebuilds, then checkpoints", async () => {
		const { me, c, mc } = await withTwoChats();
		await send(c, mc, "c2");
		await until(async () => (await listOf(me)).some((r: any) => r[0] === mc && r[1] === 2));
		const live = await listOf(me);
		// The second message of mc changed a row of a hub at the checkpoint size: dirty mark and
		// alarm are set, and the instance dies before the alarm runs.
		expect((await startUp(me.userId)).meta).toEqual(expect.arrayContaining(["dirty"]));
		await evictDurableObject(hub(me.userId));
		const restarted = await startUp(me.userId);
		expect(restarted.rebuilds).toBe(true);
		expect(restarted.meta).not.toContain("checkpoint");
		// Mistaken for the former design's flush alarm, it was deleted and the hub stayed dirty
		// through every later restart, rebuilding from each Conversation every time.
		expect(await runDurableObjectAlarm(hub(me.userId))).toBe(true);
		const after = await startUp(me.userId);
		expect(after.meta).toContain("checkpoint");
		expect(after.meta).not.toContain("dirty");
		await evictDurableObject(hub(me.userId));
		expect((await startUp(me.userId)).rebuilds).toBe(false);
		expect(await listOf(me)).toEqual(live);
	});

	it("a hub below the checkpoint size writes nothing per message and rebuilds after a restart", async () => {
		const [me, b] = await Promise.all([registerUser(), registerUser()]);
		const mb = await makeFriends(me, b);
		await send(b, mb, "one");
		await send(b, mb, "two");
		await until(async () => (await listOf(me))[0]?.[1] === 2);
		expect(await runDurableObjectAlarm(hub(me.userId))).toBe(false);
		await evictDurableObject(hub(me.userId));
		const s = await startUp(me.userId);
		expect(s.rebuilds).toBe(true);
		expect(s.meta).not.toContain("dirty");
		expect((await listOf(me))[0].slice(0, 3)).toEqual([mb, 2, 2]);
	});

	it("a hub whose tables were made by hand before drizzle-kit keeps its rows and adopts the baseline migration", async () => {
		const { me } = await withTwoChats();
		await until(async () => (await listOf(me)).length === 2);
		expect(await runDurableObjectAlarm(hub(me.userId))).toBe(true);
		const checkpointed = await listOf(me);
		// The layout as the hand-written statements made it, with no record of drizzle's migrations.
		await runInDurableObject(hub(me.userId), (_i, state) => {
			const sql = state.storage.sql;
			const rows = sql.exec<{ conversation_id: string; row: string }>("SELECT * FROM sessions").toArray();
			const meta = sql.exec<{ key: string; value: string }>("SELECT * FROM hub_meta").toArray();
			sql.exec("DROP TABLE __drizzle_migrations");
			sql.exec("DROP TABLE sessions");
			sql.exec("DROP TABLE hub_meta");
			sql.exec("CREATE TABLE sessions (conversation_id TEXT PRIMARY KEY, row TEXT NOT NULL)");
			sql.exec("CREATE TABLE hub_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
			for (const r of rows) sql.exec("INSERT INTO sessions VALUES (?, ?)", r.conversation_id, r.row);
			for (const r of meta) sql.exec("INSERT INTO hub_meta VALUES (?, ?)", r.key, r.value);
		});
		await evictDurableObject(hub(me.userId));
		expect((await startUp(me.userId)).rebuilds).toBe(false);
		expect(await listOf(me)).toEqual(checkpointed);
		const applied = await runInDurableObject(hub(me.userId), (_i, state) =>
			state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM __drizzle_migrations").one(),
		);
		expect(applied.n).toBe(1);
	});
});
