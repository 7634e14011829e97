// A send is a retry only when it is the same message: sender, device, localId and payload.
// Real clients reuse localIds (the AnyChat SDK counts local_1, local_2, … from 1 at every launch).
import { env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ok } from "./fixtures/api";
import { chatUser, closeAll, newIn, say, sendWs } from "./fixtures/chat";
import { makeFriends, makeGroup } from "./fixtures/social";
import { loginDevice } from "./fixtures/users";
import { connect, roundTrip, type TestSocket } from "./fixtures/ws";

const conv = (id: string) => env.CONVERSATION.getByName(`conv:${id}`);

/** The contents of the `message.new` frames a socket got in a conversation, in arrival order. */
const received = (s: TestSocket, conversationId: string) =>
	s.frames.filter(newIn(conversationId)).map((f) => f.payload.data.content as string);

const historyOf = async (conversationId: string, token: string) =>
	(await ok("GET", `/sessions/${conversationId}/messages?limit=100`, { token })).list
		.map((m: any) => `${m.sequence}:${m.content}`)
		.reverse();

describe("localId reuse (the SDK's per-process counter)", () => {
	it("stores a new message whose localId an earlier run of the client used, and delivers both", async () => {
		const [alice, bob] = await Promise.all([chatUser(), chatUser()]);
		const ab = await makeFriends(alice, bob);
		const first = await say(alice.a, ab, "hello", { localId: "local_1" });
		expect(first).toMatchObject({ type: "message.sent", payload: { sequence: 1, localId: "local_1" } });
		alice.a.close();

		// The app restarts: a new socket of the same device, its counter back at local_1.
		const restarted = await connect(alice.token);
		const second = await say(restarted, ab, "hello friend", { localId: "local_1" });
		expect(second).toMatchObject({ type: "message.sent", payload: { sequence: 2, localId: "local_1" } });
		expect(second.payload.messageId).not.toBe(first.payload.messageId);
		// Again after the Conversation restarted: the window is rebuilt from storage.
		await evictDurableObject(conv(ab));
		const third = await say(restarted, ab, "third launch", { localId: "local_1" });
		expect(third.payload.sequence).toBe(3);

		await bob.a.waitFor((s) => received(s, ab).length >= 3 || undefined, 5000, "bob's deliveries");
		expect(received(bob.a, ab)).toEqual(["hello", "hello friend", "third launch"]);
		expect(await historyOf(ab, bob.token)).toEqual(["1:hello", "2:hello friend", "3:third launch"]);
		restarted.close();
		closeAll(alice, bob);
	});

	it("answers an exact repeat with the original ack, across reconnects and a Conversation restart", async () => {
		const [alice, bob] = await Promise.all([chatUser(), chatUser()]);
		const ab = await makeFriends(alice, bob);
		const payload = { replyTo: "", atUsers: [bob.userId], localId: "local_7" };
		const first = await say(alice.a, ab, "only once", payload);
		alice.a.close();
		const reconnected = await connect(alice.token);
		const again = await say(reconnected, ab, "only once", payload);
		await evictDurableObject(conv(ab));
		const afterRestart = await say(reconnected, ab, "only once", payload);
		expect(again).toEqual(first);
		expect(afterRestart).toEqual(first);
		await roundTrip(bob.a);
		expect(received(bob.a, ab)).toEqual(["only once"]);
		expect(await historyOf(ab, bob.token)).toEqual(["1:only once"]);
		reconnected.close();
		closeAll(alice, bob);
	});

	it("takes every field the client sent as part of the message; each variant is its own message, each repeat its own ack", async () => {
		const [alice, bob, carol] = await Promise.all([chatUser(), chatUser(), chatUser()]);
		const g = (await makeGroup(alice, [bob, carol])).groupId;
		const base = {
			conversationId: g,
			conversationType: "group",
			contentType: "text",
			content: "hi",
			localId: "local_1",
		};
		const root = await sendWs(alice.a, base);
		const variants: Record<string, unknown>[] = [
			{ content: "hi!" },
			{ contentType: "custom" },
			{ replyTo: root.payload.messageId },
			{ atUsers: [bob.userId] },
			{ atUsers: [bob.userId, carol.userId] },
		];
		const acks = [];
		for (const v of variants) acks.push(await sendWs(alice.a, { ...base, ...v }));
		expect(acks.map((a) => a.payload.sequence)).toEqual([2, 3, 4, 5, 6]);
		// Repeats, in another order: each is answered with its own original ack, nothing is stored.
		for (const i of [4, 0, 2, 1, 3]) expect(await sendWs(alice.a, { ...base, ...variants[i] })).toEqual(acks[i]);
		expect(await sendWs(alice.a, base)).toEqual(root);
		// A mention list in another order with a duplicate names the same users: the same message.
		expect(await sendWs(alice.a, { ...base, atUsers: [carol.userId, bob.userId, bob.userId] })).toMatchObject({
			payload: { sequence: 7 },
		});
		expect(await sendWs(alice.a, { ...base, atUsers: [carol.userId, bob.userId] })).toMatchObject({
			payload: { sequence: 7 },
		});
		await carol.a.waitFor((s) => received(s, g).length >= 7 || undefined, 5000, "carol's deliveries");
		await roundTrip(carol.a);
		expect(received(carol.a, g)).toHaveLength(7);
		closeAll(alice, bob, carol);
	});

	it("keys retries by device: the same localId and payload from another device of the same user is a new message", async () => {
		const [alice, bob] = await Promise.all([chatUser(), chatUser()]);
		const ab = await makeFriends(alice, bob);
		const fromA = await say(alice.a, ab, "ok", { localId: "local_1" });
		const fromB = await say(alice.b, ab, "ok", { localId: "local_1" });
		expect([fromA.payload.sequence, fromB.payload.sequence]).toEqual([1, 2]);
		expect(await say(alice.b, ab, "ok", { localId: "local_1" })).toEqual(fromB);
		expect(await say(alice.a, ab, "ok", { localId: "local_1" })).toEqual(fromA);
		expect(await historyOf(ab, bob.token)).toEqual(["1:ok", "2:ok"]);
		closeAll(alice, bob);
	});

	it("applies the same rule on anychat.pb sockets and POST /messages (the device of the token)", async () => {
		const [alice, bob] = await Promise.all([chatUser(), chatUser()]);
		const ab = await makeFriends(alice, bob);
		const phone = await loginDevice(alice, `${alice.deviceId}-phone`);
		const pb = await connect(phone.token, { protocols: ["anychat.pb"] });
		const send = (content: string) => ({
			conversationId: ab,
			conversationType: "private",
			contentType: "text",
			content,
			localId: "local_1",
		});
		const overPb = await sendWs(pb, send("from the phone"));
		expect(overPb.payload.sequence).toBe(1);
		// The phone's token over HTTP: the same payload is the pb send's retry, another is new.
		expect(await ok("POST", "/messages", { token: phone.token, body: send("from the phone") })).toEqual(overPb.payload);
		const overHttp = await ok("POST", "/messages", { token: phone.token, body: send("typed again") });
		expect(overHttp).toMatchObject({ sequence: 2, localId: "local_1" });
		expect(await ok("POST", "/messages", { token: phone.token, body: send("typed again") })).toEqual(overHttp);
		// After a restart of the phone app the pb socket's counter starts over.
		pb.close();
		const pbAgain = await connect(phone.token, { protocols: ["anychat.pb"] });
		expect((await sendWs(pbAgain, send("after restart"))).payload.sequence).toBe(3);
		// Another device's token with the phone's payload: a message of its own.
		expect(await ok("POST", "/messages", { token: alice.token, body: send("from the phone") })).toMatchObject({
			sequence: 4,
		});

		await bob.a.waitFor((s) => received(s, ab).length >= 4 || undefined, 5000, "bob's deliveries");
		expect(received(bob.a, ab)).toEqual(["from the phone", "typed again", "after restart", "from the phone"]);
		pbAgain.close();
		closeAll(alice, bob);
	});
});
