import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { utcDay } from "../domain/time";
import type { Conversation } from "../durable-objects/conversation";
import migrations from "../durable-objects/conversation/drizzle/migrations";
import { superadminToken } from "./fixtures/admin";
import { ok } from "./fixtures/api";
import { chatUser, closeAll, localId, say } from "./fixtures/chat";
import { makeFriends, makeGroup } from "./fixtures/social";

const conv = (id: string) => env.CONVERSATION.getByName(`conv:${id}`);
const hub = (userId: string) => env.USER_HUB.getByName(`user:${userId}`);
const overview = (token: string) => ok("GET", "/admin/stats/overview", { token });

/** What a Conversation holds back for the daily counter, and whether its flush alarm is set. */
const pendingIn = (id: string) =>
	runInDurableObject(conv(id), async (_obj, state) => ({
		pending: Number(
			state.storage.sql
				.exec(
					"SELECT COUNT(*) AS n FROM messages WHERE seq > (SELECT COALESCE(MAX(value), 0) FROM bookkeeping WHERE key = 'flushed_seq')",
				)
				.one().n,
		),
		alarmSet: (await state.storage.getAlarm()) !== null,
	}));

describe("admin stats: messages today", () => {
	it("counts every stored message once, flushed to D1 in batches by each Conversation's alarm", async () => {
		const sup = await superadminToken();
		const [alice, bob] = await Promise.all([chatUser(), chatUser()]);
		const ab = await makeFriends(alice, bob);
		const g = (await makeGroup(alice, [bob])).groupId;
		const before = await overview(sup);

		const retried = localId();
		for (let i = 0; i < 3; i++) await say(alice.a, ab, `p${i}`);
		await say(bob.a, ab, "once", { localId: retried });
		// A retry of an accepted message and a refused message store nothing and count nothing.
		await say(bob.a, ab, "once", { localId: retried });
		expect((await say(alice.a, ab, "")).type).toBe("message.error");
		for (let i = 0; i < 2; i++)
			await ok("POST", "/messages", {
				token: bob.token,
				body: { conversationId: g, conversationType: "group", contentType: "text", content: `g${i}` },
			});

		// The counts wait in each Conversation's own storage with one alarm set, unless that
		// alarm already ran (it fires a few seconds after the first message).
		for (const [id, sent] of [
			[ab, 4],
			[g, 2],
		] as const) {
			const state = await pendingIn(id);
			expect(state).toEqual(state.alarmSet ? { pending: sent, alarmSet: true } : { pending: 0, alarmSet: false });
		}

		// Flush now (the alarm the runtime would run) and read the overview.
		await runDurableObjectAlarm(conv(ab));
		await runDurableObjectAlarm(conv(g));
		expect(await pendingIn(ab)).toEqual({ pending: 0, alarmSet: false });
		expect(await pendingIn(g)).toEqual({ pending: 0, alarmSet: false });
		const after = await overview(sup);
		expect(after.messagesToday - before.messagesToday).toBe(6);
		expect(after.totalMessages - before.totalMessages).toBe(6);

		// The next message arms the alarm again.
		await say(alice.a, ab, "later");
		await runDurableObjectAlarm(conv(ab));
		expect((await overview(sup)).messagesToday - before.messagesToday).toBe(7);
		closeAll(alice, bob);
	});

	it("counts what a flush adds exactly once: a second flush with nothing new adds nothing", async () => {
		const sup = await superadminToken();
		const [alice, bob] = await Promise.all([chatUser(), chatUser()]);
		const ab = await makeFriends(alice, bob);
		const before = await overview(sup);
		const id = localId();
		for (let i = 0; i < 4; i++) await say(i % 2 ? bob.a : alice.a, ab, `m${i}`, { localId: i === 2 ? id : localId() });
		await say(alice.a, ab, "m2", { localId: id });
		await runDurableObjectAlarm(conv(ab));
		expect((await overview(sup)).messagesToday - before.messagesToday).toBe(4);
		// The flush itself, again (as a retried alarm would run it), finds nothing past its checkpoint.
		await runInDurableObject(conv(ab), (o: Conversation) => o.alarm());
		expect((await overview(sup)).messagesToday - before.messagesToday).toBe(4);
		expect(await pendingIn(ab)).toEqual({ pending: 0, alarmSet: false });
		closeAll(alice, bob);
	});

	it("migrates a schema-1 object once: its localIds, read positions and held-back counts carry over", async () => {
		const sup = await superadminToken();
		const [alice, bob] = await Promise.all([chatUser(), chatUser()]);
		const ab = await makeFriends(alice, bob);
		const retried = localId();
		const t = Math.floor(Date.now() / 1000);
		const firstId = `${ab}.1.a1a1a1a1a1a1`;
		// The layout of schema 1, as an object written before this version holds it.
		await runInDurableObject(conv(ab), (_o, state) => {
			const sql = state.storage.sql;
			sql.exec("DROP TABLE messages");
			sql.exec("DROP TABLE bookkeeping");
			// Schema 1 predates the drizzle-kit migrations and their table.
			sql.exec("DROP TABLE __drizzle_migrations");
			sql.exec("DROP TABLE online");
			// Nor had it the full-text index (migration 0002).
			sql.exec("DROP TABLE message_search");
			sql.exec(`CREATE TABLE messages (
				seq INTEGER PRIMARY KEY, message_id TEXT NOT NULL UNIQUE, sender_id TEXT NOT NULL,
				content_type TEXT NOT NULL, content TEXT NOT NULL, reply_to TEXT NOT NULL DEFAULT '',
				at_users TEXT NOT NULL DEFAULT '[]', status INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL)`);
			sql.exec(`CREATE TABLE local_ids (sender_id TEXT NOT NULL, local_id TEXT NOT NULL, seq INTEGER NOT NULL,
				PRIMARY KEY (sender_id, local_id))`);
			sql.exec("CREATE TABLE uncounted (day TEXT PRIMARY KEY, n INTEGER NOT NULL)");
			const insert =
				"INSERT INTO messages (seq, message_id, sender_id, content_type, content, created_at) VALUES (?, ?, ?, 'text', ?, ?)";
			sql.exec(insert, 1, firstId, alice.userId, "old one", t);
			sql.exec(insert, 2, `${ab}.2.b2b2b2b2b2b2`, bob.userId, "old two", t);
			sql.exec("INSERT INTO local_ids (sender_id, local_id, seq) VALUES (?, ?, 1)", alice.userId, retried);
			sql.exec("UPDATE reads SET read_seq = CASE user_id WHEN ? THEN 1 ELSE 2 END", alice.userId);
			sql.exec("INSERT INTO uncounted (day, n) VALUES (?, 2)", utcDay(t));
		});
		await evictDurableObject(conv(ab));
		await evictDurableObject(hub(alice.userId));
		await evictDurableObject(hub(bob.userId));
		const before = await overview(sup);

		// The retry of a schema-1 message (same payload; the old row names no device) is still
		// recognised; the same localId with another text is a new message; the next one follows it.
		const retry = await say(alice.b, ab, "old one", { localId: retried });
		expect(retry.payload).toMatchObject({ messageId: firstId, sequence: 1 });
		const reused = await say(alice.a, ab, "new", { localId: retried, replyTo: firstId });
		expect(reused.payload.sequence).toBe(3);
		const stored = await runInDurableObject(conv(ab), (_o, state) => {
			const all = (q: string) => state.storage.sql.exec(q).toArray();
			return {
				messages: all("SELECT seq, local_id FROM messages ORDER BY seq"),
				tables: all("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map((r) => r.name),
				bookkeeping: all("SELECT key, value FROM bookkeeping ORDER BY key"),
				drizzle: all("SELECT created_at FROM __drizzle_migrations"),
			};
		});
		expect(stored.messages).toEqual([
			{ seq: 1, local_id: retried },
			{ seq: 2, local_id: "" },
			{ seq: 3, local_id: retried },
		]);
		expect(stored.tables).not.toContain("local_ids");
		// Adopted by the drizzle-kit migrations: its layout is the baseline's, recorded as applied once,
		// and the later migrations ran after it.
		expect(stored.drizzle).toEqual(migrations.journal.entries.map((e) => ({ created_at: e.when })));
		expect(stored.messages[0]).toMatchObject({ seq: 1 });
		expect(stored.bookkeeping).toEqual([
			{ key: "flushed_seq", value: 2 },
			{ key: "schema_version", value: 3 },
			// The full-text index of the messages the migrations found (seq 1–2), indexed when the
			// object opened; the third waits for a batch, the alarm or a search.
			{ key: "search_indexed", value: 2 },
		]);

		// One flush adds the held-back schema-1 count and the new message, and drops the old table.
		await runDurableObjectAlarm(conv(ab));
		expect((await overview(sup)).messagesToday - before.messagesToday).toBe(3);
		expect(await pendingIn(ab)).toEqual({ pending: 0, alarmSet: false });
		const tables = await runInDurableObject(conv(ab), (_o, state) =>
			state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").toArray(),
		);
		expect(tables.map((r) => r.name)).not.toContain("uncounted");
		expect((await ok("GET", `/sessions/${ab}`, { token: alice.token })).unreadCount).toBe(0);
		expect((await ok("GET", `/sessions/${ab}`, { token: bob.token })).unreadCount).toBe(1);
		expect((await ok("GET", `/sessions/${ab}/messages`, { token: bob.token })).list.map((m: any) => m.content)).toEqual(
			["new", "old two", "old one"],
		);
		const found = await ok("GET", `/messages/search?keyword=old&conversationId=${ab}`, { token: bob.token });
		expect(found.list.map((m: any) => m.content)).toEqual(["old two", "old one"]);
		closeAll(alice, bob);
	});
});
