import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ok } from "./fixtures/api";
import { chatUser, newIn, sendWs } from "./fixtures/chat";
import { makeFriends, makeGroup } from "./fixtures/social";
import { connect, type TestSocket } from "./fixtures/ws";

const conv = (id: string) => env.CONVERSATION.getByName(`conv:${id}`);
const hub = (userId: string) => env.USER_HUB.getByName(`user:${userId}`);
const seqsIn = (s: TestSocket, id: string) => s.frames.filter(newIn(id)).map((f) => f.payload.data.sequence as number);

describe("eviction loses nothing", () => {
	it("keeps order, sequences and exact unread counts when the Conversation and UserHubs are evicted between sends", async () => {
		const [alice, bob, carol] = await Promise.all([chatUser(), chatUser(), chatUser()]);
		const ab = await makeFriends(alice, bob);
		const g = (await makeGroup(carol, [alice, bob])).groupId;
		let aliceSock: TestSocket = alice.a;
		const bobSockets: TestSocket[] = [bob.b];
		const bobSock = () => bobSockets[bobSockets.length - 1]!;

		for (let i = 1; i <= 6; i++) {
			const ack = await sendWs(aliceSock, { conversationId: ab, conversationType: "private", content: `m${i}` });
			expect(ack.payload.sequence).toBe(i);
			const gack = await sendWs(carol.a, { conversationId: g, conversationType: "group", content: `g${i}` });
			expect(gack.payload.sequence).toBe(i);
			await bobSock().waitFor(
				(s) => (seqsIn(s, ab).includes(i) && seqsIn(s, g).includes(i)) || undefined,
				5000,
				`message ${i}`,
			);

			await evictDurableObject(conv(ab));
			await evictDurableObject(conv(g));
			if (i % 2 === 0) {
				// Hubs lose their sockets and their unflushed list index with them; devices reconnect.
				await evictDurableObject(hub(bob.userId));
				await evictDurableObject(hub(alice.userId));
				aliceSock = await connect(alice.token);
				bobSockets.push(await connect(bob.tokenB));
			}
		}
		// Every message reached Bob exactly once, in order, across all his reconnections.
		expect(bobSockets.flatMap((s) => seqsIn(s, ab))).toEqual([1, 2, 3, 4, 5, 6]);
		expect(bobSockets.flatMap((s) => seqsIn(s, g))).toEqual([1, 2, 3, 4, 5, 6]);

		const history = await ok("GET", `/sessions/${ab}/messages`, { token: bob.token });
		expect(history.list.map((m: any) => m.content)).toEqual(["m6", "m5", "m4", "m3", "m2", "m1"]);
		expect((await ok("GET", `/sessions/${ab}`, { token: bob.token })).unreadCount).toBe(6);
		expect((await ok("GET", `/sessions/${g}`, { token: bob.token })).unreadCount).toBe(6);
		expect((await ok("GET", "/sessions/unread/total", { token: bob.token })).totalUnread).toBe(12);
		// The sender's own messages are read; the group's are not.
		expect((await ok("GET", `/sessions/${ab}`, { token: alice.token })).unreadCount).toBe(0);
		expect((await ok("GET", "/sessions/unread/total", { token: alice.token })).totalUnread).toBe(6);

		await ok("POST", `/sessions/${ab}/read`, { token: bob.token, body: { lastReadSeq: 4 } });
		await evictDurableObject(hub(bob.userId));
		await evictDurableObject(conv(ab));
		expect((await ok("GET", `/sessions/${ab}`, { token: bob.token })).unreadCount).toBe(2);
		expect((await ok("GET", "/sessions/unread/total", { token: bob.token })).totalUnread).toBe(8);
		const again = await sendWs(await connect(alice.token), {
			conversationId: ab,
			conversationType: "private",
			content: "m7",
		});
		expect(again.payload.sequence).toBe(7);
		// The fan-out to Bob's hub has finished once his live socket has the message.
		const live = await connect(bob.token);
		await sendWs(carol.a, { conversationId: g, conversationType: "group", content: "g7" });
		await live.waitFor((s) => seqsIn(s, g).includes(7) || undefined);
		expect(
			(await ok("GET", "/sessions", { token: bob.token })).list.map((s: any) => [s.sessionId, s.unreadCount]),
		).toEqual([
			[g, 7],
			[ab, 3],
		]);
	});
});

describe("a message costs no storage write in the members' hubs", () => {
	it("writes a conversation to the hub once, when it is new, and derives the rest from the Conversation after eviction", async () => {
		const [alice, bob] = await Promise.all([chatUser(), chatUser()]);
		const ab = await makeFriends(alice, bob);
		for (let i = 1; i <= 3; i++) {
			await sendWs(alice.a, { conversationId: ab, conversationType: "private", content: `m${i}` });
		}
		await bob.b.waitFor((s) => seqsIn(s, ab).includes(3) || undefined, 5000, "message 3");
		const stored = await runInDurableObject(hub(bob.userId), async (_o, state) => ({
			rows: state.storage.sql.exec<{ row: string }>("SELECT row FROM sessions").toArray(),
			alarm: await state.storage.getAlarm(),
		}));
		// The row was written once, when the conversation was new to the hub (at the friendship,
		// or at the first message if that came first); no later message wrote it; no flush is pending.
		expect(stored.rows).toHaveLength(1);
		expect(JSON.parse(stored.rows[0]!.row).lastSeq).toBeLessThanOrEqual(1);
		expect(stored.alarm).toBeNull();
		expect((await ok("GET", `/sessions/${ab}`, { token: bob.token })).unreadCount).toBe(3);
		await evictDurableObject(hub(bob.userId));
		const session = await ok("GET", `/sessions/${ab}`, { token: bob.token });
		expect([session.lastSeq, session.unreadCount, session.lastMessageContent]).toEqual([3, 3, "m3"]);
	});
});

describe("pipelined sends of one device", () => {
	it("acks frames sent back to back in send order, with sequences in that order, one retried localId included", async () => {
		const [alice, bob] = await Promise.all([chatUser(), chatUser()]);
		const ab = await makeFriends(alice, bob);
		const ids = Array.from({ length: 12 }, (_, i) => `pipe-${alice.userId}-${i}`);
		// Frame 5 repeats frame 2 (localId and payload): a retry, answered with frame 2's ack.
		const sent = ids.map((id, i) => (i === 5 ? ids[2]! : id));
		const contentOf = (i: number) => `p${i === 5 ? 2 : i}`;
		const before = alice.a.frames.length;
		sent.forEach((id, i) => {
			alice.a.send({
				type: "message.send",
				payload: {
					conversationId: ab,
					conversationType: "private",
					contentType: "text",
					content: contentOf(i),
					localId: id,
				},
			});
		});
		const acks = await alice.a.waitFor(
			(s) => {
				const got = s.frames.slice(before).filter((f) => f.type === "message.sent" || f.type === "message.error");
				return got.length >= sent.length ? got : undefined;
			},
			10_000,
			"all acks",
		);
		expect(acks.map((f: any) => f.type)).toEqual(sent.map(() => "message.sent"));
		expect(acks.map((f: any) => f.payload.localId)).toEqual(sent);
		expect(acks.map((f: any) => f.payload.sequence)).toEqual([1, 2, 3, 4, 5, 3, 6, 7, 8, 9, 10, 11]);
		await bob.b.waitFor((s) => seqsIn(s, ab).length >= 11 || undefined, 5000, "deliveries");
		expect(bob.b.frames.filter(newIn(ab)).map((f) => f.payload.data.content)).toEqual(
			sent.map((_, i) => contentOf(i)).filter((_, i) => i !== 5),
		);
	});
});
