// Subprotocol `anychat.pb`: the same conversation over JSON and protobuf sockets gives the same frames.
import { env, evictDurableObject } from "cloudflare:test";
import { fromBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { decodeServerFrame, encodeClientFrame, encodeServerFrame, notificationCase } from "../contracts/frame-codec";
import { ServerFrameSchema } from "../contracts/proto/gen/anychat/v1/frame_pb";
import { ClientFrames } from "../contracts/ws";
import { UserHub } from "../durable-objects/user-hub";
import { ok } from "./fixtures/api";
import { isNew, localId, sendWs, text } from "./fixtures/chat";
import { makeFriends } from "./fixtures/social";
import { loginDevice, registerUser } from "./fixtures/users";
import { connect, type Frame, roundTrip, type TestSocket } from "./fixtures/ws";

const PB = ["anychat.pb"];

/** A user with a JSON socket and a protobuf socket (two devices). */
async function twoWireUser() {
	const u = await registerUser();
	const second = await loginDevice(u, `${u.deviceId}-pb`);
	const json = await connect(u.token, { protocols: ["anychat"] });
	const pb = await connect(second.token, { protocols: PB });
	return { ...u, json, pb };
}

const notificationsOf = (s: TestSocket, type: string) =>
	s.frames.filter((f) => f.type === "notification" && f.payload.notificationType === type);

describe("anychat.pb subprotocol", () => {
	it("is echoed when offered, by the client's order of preference", async () => {
		const u = await registerUser();
		const pb = await connect(u.token, { protocols: ["chat", "anychat.pb", "anychat"] });
		expect(pb.protocol).toBe("anychat.pb");
		pb.send({ type: "ping" });
		await pb.waitForMessages((f) => f.type === "pong");
		expect(pb.raw.every((m) => m instanceof Uint8Array)).toBe(true);
		expect(pb.frames.find((f) => f.type === "pong")).toEqual({ type: "pong", payload: null });
		pb.close();
		const json = await connect(u.token, { protocols: ["anychat", "anychat.pb"] });
		expect(json.protocol).toBe("anychat");
		await roundTrip(json);
		expect(json.raw.every((m) => typeof m === "string")).toBe(true);
		json.close();
	});

	it("runs the same conversation over JSON and protobuf sockets with the same frames", async () => {
		const [alice, bob] = await Promise.all([twoWireUser(), twoWireUser()]);
		const conversationId = await makeFriends(alice, bob);
		// Typed notification data (friend.request / friend.request_handled) arrive alike.
		await bob.pb.waitForNotification("friend.request");
		await alice.pb.waitForNotification("friend.request_handled");

		// Each user sends from both sockets in turn; every send waits for its ack.
		const sent: { from: TestSocket; ack: any; content: string }[] = [];
		for (let i = 0; i < 6; i++) {
			const [user, socket] = i % 2 ? [bob, i % 4 === 1 ? bob.pb : bob.json] : [alice, i % 4 ? alice.pb : alice.json];
			const content = text(`msg ${i} — ünïcødé ✓ from ${user.nickname}`);
			const ack = await sendWs(socket, {
				conversationId,
				conversationType: "private",
				content,
				atUsers: i === 3 ? [alice.userId] : [],
				replyTo: i === 5 ? sent[0]!.ack.payload.messageId : "",
			});
			expect(ack.type, JSON.stringify(ack)).toBe("message.sent");
			expect(ack.payload).toEqual({
				messageId: expect.any(String),
				conversationId,
				sequence: i + 1,
				timestamp: expect.any(Number),
				localId: expect.any(String),
			});
			sent.push({ from: socket, ack, content });
		}
		bob.pb.send({ type: "message.typing", payload: { conversationId, conversationType: "private" } });
		await Promise.all([alice.json, alice.pb].map((s) => s.waitForNotification("message.typing")));
		await Promise.all([alice.json, alice.pb, bob.json, bob.pb].map(roundTrip));

		// A device does not get its own sends back; the other device of the same user does.
		const expectedOn = (s: TestSocket) => sent.filter((m) => m.from !== s).map((m) => m.ack.payload.messageId);
		for (const s of [alice.json, alice.pb, bob.json, bob.pb]) {
			await s.waitForMessages(isNew, expectedOn(s).length);
			expect(s.frames.filter(isNew).map((f) => f.payload.data.messageId)).toEqual(expectedOn(s));
		}
		const history = await ok("GET", `/sessions/${conversationId}/messages?limit=100`, { token: alice.token });
		const stored = new Map(history.list.map((m: any) => [m.messageId, m]));
		for (const s of [alice.json, alice.pb, bob.json, bob.pb]) {
			for (const f of s.frames.filter(isNew)) {
				const { senderInfo, ...message } = f.payload.data;
				expect(message).toEqual(stored.get(message.messageId));
				expect(senderInfo.userId).toBe(message.senderId);
			}
		}

		// Frames that one delivery sent to both of a user's sockets are identical, field for field.
		for (const user of [alice, bob]) {
			const other = user === alice ? bob : alice;
			const fromOther = (s: TestSocket) => s.frames.filter((f) => isNew(f) && f.payload.data.senderId === other.userId);
			expect(fromOther(user.pb)).toEqual(fromOther(user.json));
			expect(fromOther(user.pb).map((f) => f.payload.data.sequence)).toEqual(
				sent.filter((m) => m.from === other.json || m.from === other.pb).map((m) => m.ack.payload.sequence),
			);
		}
		expect(notificationsOf(bob.pb, "friend.request")).toEqual(notificationsOf(bob.json, "friend.request"));
		expect(notificationsOf(alice.pb, "friend.request_handled")).toEqual(
			notificationsOf(alice.json, "friend.request_handled"),
		);
		for (const user of [alice, bob]) {
			expect(notificationsOf(user.pb, "session.unread_updated")).toEqual(
				notificationsOf(user.json, "session.unread_updated"),
			);
		}
		expect(notificationsOf(alice.pb, "message.typing")).toEqual(notificationsOf(alice.json, "message.typing"));
		expect(notificationsOf(alice.pb, "message.mentioned")).toEqual(notificationsOf(alice.json, "message.mentioned"));
		expect(notificationsOf(alice.pb, "message.mentioned")).toHaveLength(1);

		// A type without a typed protobuf message (friend.deleted) travels as JSON bytes, unchanged.
		await ok("DELETE", `/friends/${bob.userId}`, { token: alice.token });
		const [viaJson] = await bob.json.waitForNotification("friend.deleted");
		const [viaPb] = await bob.pb.waitForNotification("friend.deleted");
		expect(viaPb).toEqual(viaJson);
		expect(viaPb!.payload.data).toEqual({ friendUserId: alice.userId, deletedAt: expect.any(Number) });

		// The protobuf sockets got typed messages wherever frame.proto defines one, JSON bytes elsewhere.
		const cases = new Set<string>();
		for (const raw of [...alice.pb.raw, ...bob.pb.raw]) {
			const f = fromBinary(ServerFrameSchema, raw as Uint8Array);
			if (f.type === "message.sent") expect(f.payload.case).toBe("sent");
			if (f.payload.case !== "notification") continue;
			const n = f.payload.value;
			expect(n.data.case, n.notificationType).toBe(notificationCase(n.notificationType)?.localName ?? "json");
			cases.add(n.data.case!);
		}
		expect([...cases]).toEqual(expect.arrayContaining(["messageNew", "messageMentioned", "friendRequest", "json"]));

		for (const s of [alice.json, alice.pb, bob.json, bob.pb]) s.close();
	});

	it("keeps a socket's encoding across hibernation (eviction of the hub)", async () => {
		const u = await registerUser();
		const pb = await connect(u.token, { protocols: PB });
		await roundTrip(pb);
		await evictDurableObject(env.USER_HUB.get(env.USER_HUB.idFromName(`user:${u.userId}`)));
		pb.send({ type: "ping" });
		await pb.waitForMessages((f) => f.type === "pong", 2);
		expect(pb.raw.every((m) => m instanceof Uint8Array)).toBe(true);
		pb.close();
	});

	it("answers bad binary input with error frames and keeps the socket", async () => {
		const u = await registerUser();
		const pb = await connect(u.token, { protocols: PB });
		pb.send(new Uint8Array([0xff, 0xff, 0xff, 0x0f]));
		const [bad] = await pb.waitForMessages((f) => f.type === "error");
		expect(bad!.payload).toEqual({ code: 400, message: expect.stringMatching(/anychat\.pb/) });
		// A payload zod refuses is answered in protobuf as over JSON.
		pb.send({
			type: "message.send",
			payload: { conversationId: "", conversationType: "private", contentType: "text", content: "x", localId: "l1" },
		});
		const [refused] = await pb.waitForMessages((f) => f.type === "message.error");
		expect(refused!.payload).toEqual({ code: 400, message: expect.stringMatching(/conversationId/), localId: "l1" });
		await roundTrip(pb);
		expect(pb.closed).toBeNull();

		const json = await connect(u.token);
		json.send(encodeClientFrame({ type: "ping" }));
		const [noBinary] = await json.waitForMessages((f) => f.type === "error");
		expect(noBinary!.payload).toEqual({ code: 400, message: expect.stringMatching(/anychat\.pb/) });
		json.close();
		pb.close();
	});

	it("lists every client frame the hub handles in the frame catalogue", () => {
		for (const type of Object.keys(UserHub.handlers)) expect(Object.keys(ClientFrames)).toContain(type);
	});

	it("round-trips frames through the codec, typed or as JSON bytes", () => {
		const frames: Frame[] = [
			{ type: "pong", payload: null },
			{ type: "error", payload: { code: 413, message: "too big" } },
			{ type: "message.error", payload: { code: 30117, message: "not friends", localId: "" } },
			{ type: "some.future_frame", payload: { a: [1, { b: "c" }] } },
			{
				type: "notification",
				payload: { notificationType: "sync.completed", timestamp: 1_700_000_000, data: { syncTime: 1_700_000_000 } },
			},
			// An extra field a typed message lacks must not be dropped: it falls back to JSON bytes.
			{
				type: "notification",
				payload: { notificationType: "session.deleted", timestamp: 1, data: { sessionId: "s", extra: true } },
			},
			// Nor may a missing field come back as a zero value, nor a fraction be truncated.
			{
				type: "notification",
				payload: { notificationType: "session.pin_updated", timestamp: 1, data: { sessionId: "s", isPinned: true } },
			},
			{
				type: "notification",
				payload: { notificationType: "sync.completed", timestamp: 1, data: { syncTime: 1.5 } },
			},
			{ type: "notification", payload: { notificationType: "no.such_type", timestamp: 1, data: { x: null } } },
		];
		for (const f of frames) expect(decodeServerFrame(encodeServerFrame(f))).toEqual(f);
		const id = localId();
		expect(
			encodeServerFrame({
				type: "message.sent",
				payload: { messageId: "m", conversationId: "c", sequence: 2 ** 40, timestamp: 1, localId: id },
			}).byteLength,
		).toBeLessThan(
			JSON.stringify({
				type: "message.sent",
				payload: { messageId: "m", conversationId: "c", sequence: 2 ** 40, timestamp: 1, localId: id },
			}).length,
		);
	});
});
