import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sequenceOfMessageId } from "../domain/message-format";
import { IDEMPOTENCY_WINDOW } from "../durable-objects/conversation";
import { fails, ok } from "./fixtures/api";
import { chatUser, closeAll, localId, newIn, say, sendWs } from "./fixtures/chat";
import { makeFriends, makeGroup } from "./fixtures/social";

const conv = (id: string) => env.CONVERSATION.getByName(`conv:${id}`);
const hub = (userId: string) => env.USER_HUB.getByName(`user:${userId}`);

const rows = <T extends Record<string, SqlStorageValue>>(id: string, query: string, ...binds: SqlStorageValue[]) =>
	runInDurableObject(conv(id), (_o, state) => state.storage.sql.exec<T>(query, ...binds).toArray());

/** Keeps the count flush (normally ≤ COUNT_FLUSH_MS away) from running in the middle of a test. */
const holdFlush = (id: string) =>
	runInDurableObject(conv(id), (_o, state) => state.storage.setAlarm(Date.now() + 3_600_000));

type Logged = { sql: SqlStorage; log: string[] };

/** Records every statement the live Conversation instance runs from now on (its SQL handle, wrapped). */
const recordStatements = (id: string) =>
	runInDurableObject(conv(id), (obj) => {
		const target = obj as unknown as Logged;
		const real = target.sql;
		const log: string[] = [];
		target.log = log;
		target.sql = new Proxy(real, {
			get(t, p) {
				if (p === "exec")
					return (q: string, ...b: SqlStorageValue[]) => {
						log.push(q.trim().replace(/\s+/g, " "));
						return t.exec(q, ...b);
					};
				const v = Reflect.get(t, p);
				return typeof v === "function" ? v.bind(t) : v;
			},
		});
	});
const statements = (id: string) => runInDurableObject(conv(id), (obj) => [...(obj as unknown as Logged).log]);

describe("Conversation storage: a send is one SQL write", () => {
	it("stores each message, its localId included, with one INSERT and no other statement", async () => {
		const [alice, bob] = await Promise.all([chatUser(), chatUser()]);
		const ab = await makeFriends(alice, bob);
		// The first send after start-up loads the caches (members, meta, the localId window).
		await say(alice.a, ab, "warm-up");
		await holdFlush(ab);
		await recordStatements(ab);

		const ids = [localId(), localId(), localId(), localId()];
		for (const [i, id] of ids.entries()) {
			const ack = await say(i % 2 ? bob.a : alice.a, ab, `m${i}`, { localId: id });
			expect(ack).toMatchObject({ type: "message.sent", payload: { sequence: i + 2 } });
		}
		const sent = await statements(ab);
		// Each message: its row; the full-text entries follow in a batch (search-index.ts).
		expect(sent).toHaveLength(ids.length);
		for (const q of sent) expect(q).toMatch(/^insert into "messages" /);

		// A retry (same device, localId and payload) reads its original row for the ack and writes nothing.
		const retry = await say(alice.a, ab, "m0", { localId: ids[0] });
		expect(retry.payload.sequence).toBe(2);
		const afterRetry = (await statements(ab)).slice(ids.length);
		expect(afterRetry).toHaveLength(1);
		expect(afterRetry[0]).toMatch(/^select .* from "messages" where "messages"\."seq" = \?$/);

		expect(
			await rows(ab, "SELECT seq, sender_id, content, local_id, device_id FROM messages WHERE seq > 1 ORDER BY seq"),
		).toEqual(
			ids.map((id, i) => ({
				seq: i + 2,
				sender_id: i % 2 ? bob.userId : alice.userId,
				content: `m${i}`,
				local_id: id,
				device_id: i % 2 ? bob.deviceId : alice.deviceId,
			})),
		);
		// A new object has neither v1 side table nor an index on message_id.
		const tables = (await rows<{ name: string }>(ab, "SELECT name FROM sqlite_master WHERE type = 'table'")).map(
			(r) => r.name,
		);
		expect(tables).toEqual(expect.arrayContaining(["messages", "reads", "members", "meta", "hidden", "bookkeeping"]));
		expect(tables).not.toContain("local_ids");
		expect(tables).not.toContain("uncounted");
		expect(await rows(ab, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages'")).toEqual([]);
		await runDurableObjectAlarm(conv(ab));
		closeAll(alice, bob);
	});

	it("recognises a retried send after the Conversation was evicted: same messageId and sequence, no new message", async () => {
		const [alice, bob] = await Promise.all([chatUser(), chatUser()]);
		const ab = await makeFriends(alice, bob);
		const id = localId();
		await say(alice.a, ab, "before");
		const first = await say(alice.a, ab, "once", { localId: id });
		expect(first.payload.sequence).toBe(2);

		await evictDurableObject(conv(ab));
		const retry = await say(alice.a, ab, "once", { localId: id });
		expect(retry.type).toBe("message.sent");
		expect(retry.payload).toMatchObject({
			messageId: first.payload.messageId,
			sequence: 2,
			timestamp: first.payload.timestamp,
			localId: id,
		});
		// The window rebuilt from storage tells the same localId with another payload, or from
		// another device or sender, from a retry: each is a new message.
		await evictDurableObject(conv(ab));
		const edited = await say(alice.a, ab, "once more", { localId: id });
		const otherDevice = await say(alice.b, ab, "once", { localId: id });
		const bobs = await say(bob.a, ab, "once", { localId: id });
		expect([edited, otherDevice, bobs].map((f) => [f.type, f.payload.sequence])).toEqual([
			["message.sent", 3],
			["message.sent", 4],
			["message.sent", 5],
		]);

		const history = await ok("GET", `/sessions/${ab}/messages`, { token: bob.token });
		expect(history.list.map((m: any) => m.content)).toEqual(["once", "once", "once more", "once", "before"]);
		expect(await rows(ab, "SELECT seq, local_id FROM messages WHERE local_id = ? ORDER BY seq", id)).toEqual(
			[2, 3, 4, 5].map((seq) => ({ seq, local_id: id })),
		);
		closeAll(alice, bob);
	});

	it("keeps a sender's read position across eviction before the flush wrote it", async () => {
		const [alice, bob, carol] = await Promise.all([chatUser(), chatUser(), chatUser()]);
		const g = (await makeGroup(carol, [alice, bob])).groupId;
		for (let i = 1; i <= 3; i++)
			await sendWs(carol.a, { conversationId: g, conversationType: "group", content: `g${i}` });
		await holdFlush(g);
		await bob.b.waitFor((s) => s.frames.filter(newIn(g)).length >= 3 || undefined, 5000, "deliveries");
		// Not in `reads` yet: the flush writes it.
		expect(await rows(g, "SELECT read_seq FROM reads WHERE user_id = ?", carol.userId)).toEqual([{ read_seq: 0 }]);

		await evictDurableObject(conv(g));
		await evictDurableObject(hub(carol.userId));
		await evictDurableObject(hub(bob.userId));
		expect((await ok("GET", `/sessions/${g}`, { token: carol.token })).unreadCount).toBe(0);
		expect((await ok("GET", `/sessions/${g}`, { token: bob.token })).unreadCount).toBe(3);

		await runDurableObjectAlarm(conv(g));
		expect(await rows(g, "SELECT read_seq FROM reads WHERE user_id = ?", carol.userId)).toEqual([{ read_seq: 3 }]);
		expect(await rows(g, "SELECT key, value FROM bookkeeping WHERE key = 'flushed_seq'")).toEqual([
			{ key: "flushed_seq", value: 3 },
		]);
		await evictDurableObject(conv(g));
		await evictDurableObject(hub(carol.userId));
		expect((await ok("GET", `/sessions/${g}`, { token: carol.token })).unreadCount).toBe(0);
		closeAll(alice, bob, carol);
	});

	it("answers lookups by message ID through the sequence inside it, and only for IDs of this conversation", async () => {
		const [alice, bob] = await Promise.all([chatUser(), chatUser()]);
		const ab = await makeFriends(alice, bob);
		const sent = await say(alice.a, ab, "hello");
		const messageId = sent.payload.messageId as string;
		expect((await ok("GET", `/messages/${messageId}`, { token: bob.token })).content).toBe("hello");
		const reply = await say(bob.a, ab, "re", { replyTo: messageId });
		expect(reply.type).toBe("message.sent");
		// The right sequence with another random part, or no number where the sequence goes: no such message.
		const random = messageId.slice(messageId.lastIndexOf(".") + 1);
		for (const wrong of [`${ab}.1.000000000000`, `${ab}.x.${random}`, `${ab}.${random}`]) {
			await fails("GET", `/messages/${encodeURIComponent(wrong)}`, 404, 50101, { token: bob.token });
			const refused = await say(bob.a, ab, "re", { replyTo: wrong });
			expect(refused).toMatchObject({ type: "message.error", payload: { code: 50101 } });
		}
		closeAll(alice, bob);
	});

	it("recognises retries among the last IDEMPOTENCY_WINDOW messages only", async () => {
		const [alice, bob] = await Promise.all([chatUser(), chatUser()]);
		const ab = await makeFriends(alice, bob);
		const [oldest, kept] = [localId(), localId()];
		await say(alice.a, ab, "first", { localId: oldest });
		// A long conversation, written as the object writes it (through the API this would take minutes).
		await runInDurableObject(conv(ab), (_o, state) => {
			for (let seq = 2; seq <= IDEMPOTENCY_WINDOW + 1; seq++)
				state.storage.sql.exec(
					"INSERT INTO messages (seq, message_id, sender_id, content_type, content, created_at, local_id) VALUES (?, ?, ?, 'text', 'x', 0, ?)",
					seq,
					`${ab}.${seq}.000000000000`,
					alice.userId,
					seq === 2 ? kept : "",
				);
		});
		await holdFlush(ab);
		await evictDurableObject(conv(ab));
		// Row 2 is written as schema 2 wrote rows (no device, no fingerprint): it matches the
		// same payload from any of the sender's devices.
		const inWindow = await say(alice.b, ab, "x", { localId: kept });
		expect(inWindow.payload.sequence).toBe(2);
		const fellOut = await say(alice.a, ab, "first", { localId: oldest });
		expect(fellOut.payload.sequence).toBe(IDEMPOTENCY_WINDOW + 2);
		await runInDurableObject(conv(ab), (_o, state) => state.storage.deleteAlarm());
		closeAll(alice, bob);
	});
});

describe("sequenceOfMessageId", () => {
	it("reads the sequence from the right and refuses what newMessageId cannot have made", () => {
		expect(sequenceOfMessageId("p_a_b.12.0123456789ab")).toBe(12);
		expect(sequenceOfMessageId("with.dots.in.it.7.0123456789ab")).toBe(7);
		for (const bad of [
			"",
			"p_a_b",
			"p_a_b.12",
			".12.ab",
			"p_a_b.12.",
			"p_a_b.x.ab",
			"p_a_b.0.ab",
			"p_a_b.-1.ab",
			"p_a_b.1e3.ab",
		])
			expect(sequenceOfMessageId(bad), bad).toBeNull();
	});
});
