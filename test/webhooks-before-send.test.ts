/**
 * The synchronous hook, message.before_send, on every send path (WebSocket JSON and protobuf,
 * POST /messages), through the real Conversation. The hook is a fake outside service
 * (test/fixtures/webhook-receiver.ts); this project reads the hook list on every lookup.
 */
import { describe, expect, it } from "vitest";
import { SendCodes } from "../contracts/messages";
import { fails, ok } from "./fixtures/api";
import { chatUser, closeAll, localId, newIn, sendWs, text } from "./fixtures/chat";
import { makeFriends, makeGroup } from "./fixtures/social";
import { registerUser } from "./fixtures/users";
import { hookName, receivedBy, scriptHook, signatureValid, waitForDeliveries, withHook } from "./fixtures/webhooks";
import { connect, roundTrip } from "./fixtures/ws";

const reply = (body: unknown, extra: { delayMs?: number; status?: number } = {}) => ({
	body: typeof body === "string" ? body : JSON.stringify(body),
	...extra,
});

/** Registers a before_send hook answering with `replies`, runs `fn`, deletes the hook. */
async function withBeforeSend<T>(
	replies: ReturnType<typeof reply>[],
	opts: Record<string, unknown>,
	fn: (hook: { name: string; secret: string }) => Promise<T>,
): Promise<T> {
	const name = hookName();
	await scriptHook(name, replies);
	return withHook({ events: ["message.before_send"], ...opts }, (hook) => fn({ ...hook, name }), name);
}

const history = (token: string, conversationId: string) =>
	ok("GET", `/sessions/${conversationId}/messages?limit=50`, { token });

describe("message.before_send", () => {
	it("reject: the sender gets message.error 50113 with the hook's reason, nothing is stored, no sequence is used", async () => {
		const [a, b] = await Promise.all([chatUser(), chatUser()]);
		const ab = await makeFriends(a, b);
		await withBeforeSend(
			[reply({ action: "reject", reason: "no spam here" }), reply({ action: "allow" })],
			{},
			async (hook) => {
				const id = localId();
				const refused = await sendWs(a.a, {
					conversationId: ab,
					conversationType: "private",
					content: text("buy now"),
					localId: id,
				});
				expect(refused).toEqual({
					type: "message.error",
					payload: { code: SendCodes.MessageRejected, message: "no spam here", localId: id },
				});
				expect((await history(a.token, ab)).list).toEqual([]);

				const [asked] = await waitForDeliveries(hook.name, () => true);
				expect(asked!.body).toMatchObject({
					event: "message.before_send",
					data: {
						senderId: a.userId,
						deviceId: a.deviceId,
						conversationId: ab,
						conversationType: "private",
						contentType: "text",
						content: text("buy now"),
						replyTo: "",
						atUsers: [],
						localId: id,
					},
				});
				expect(asked!.headers["x-anychat-event"]).toBe("message.before_send");
				expect(asked!.headers["x-anychat-delivery"]).toBe(asked!.body.id);
				expect(await signatureValid(hook.secret, asked!)).toBe(true);

				const allowed = await sendWs(a.a, { conversationId: ab, conversationType: "private", content: text("hello") });
				expect(allowed.type).toBe("message.sent");
				expect(allowed.payload.sequence).toBe(1);
				const got = await b.a.waitForMessages(newIn(ab));
				expect(got.map((f) => f.payload.data.content)).toEqual([text("hello")]);
			},
		);
		closeAll(a, b);
	});

	it("replace: the new content is stored and delivered, to the sending device too (WebSocket protobuf)", async () => {
		const [a, b] = await Promise.all([chatUser(), chatUser()]);
		const ab = await makeFriends(a, b);
		const pb = await connect(a.token, { protocols: ["anychat.pb"] });
		expect(pb.protocol).toBe("anychat.pb");
		await withBeforeSend([reply({ action: "replace", content: text("[redacted]") })], {}, async () => {
			const sent = await sendWs(pb, {
				conversationId: ab,
				conversationType: "private",
				content: text("my password is 1234"),
			});
			expect(sent.type).toBe("message.sent");
			for (const s of [b.a, a.b, pb]) {
				const [f] = await s.waitForMessages(newIn(ab));
				expect(f!.payload.data).toMatchObject({ messageId: sent.payload.messageId, content: text("[redacted]") });
			}
			const stored = (await history(b.token, ab)).list;
			expect(stored.map((m: any) => m.content)).toEqual([text("[redacted]")]);
		});
		pb.close();
		closeAll(a, b);
	});

	it("POST /messages: a reject is the HTTP envelope 403 with code 50113 and the reason", async () => {
		const [a, b] = await Promise.all([registerUser(), registerUser()]);
		const ab = await makeFriends(a, b);
		await withBeforeSend([reply({ action: "reject", reason: "links are not allowed" })], {}, async () => {
			const res = await fails("POST", "/messages", 403, SendCodes.MessageRejected, {
				token: a.token,
				body: { conversationId: ab, conversationType: "private", contentType: "text", content: "http://x.example" },
			});
			expect(res.body.message).toBe("links are not allowed");
			expect((await history(a.token, ab)).list).toEqual([]);
		});
	});

	it("a timeout or a bad reply rejects when the hook fails closed (the default) and allows when it fails open", async () => {
		const [a, b] = await Promise.all([chatUser(), chatUser()]);
		const g = (await makeGroup(a, [b])).groupId;
		const send = (content: string) => sendWs(a.a, { conversationId: g, conversationType: "group", content });
		const unavailable = { code: SendCodes.MessageRejected, message: "message hook unavailable" };
		await withBeforeSend([reply({ action: "allow" }, { delayMs: 1500 })], { timeoutMs: 200 }, async () => {
			expect((await send("slow")).payload).toMatchObject(unavailable);
		});
		for (const bad of [reply("not json"), reply({ action: "shrug" }), reply({ action: "allow" }, { status: 500 })]) {
			await withBeforeSend([bad], {}, async () => {
				expect((await send("bad reply")).payload).toMatchObject(unavailable);
			});
		}
		await withBeforeSend(
			[reply({ action: "allow" }, { delayMs: 1500 })],
			{ timeoutMs: 200, failOpen: true },
			async () => {
				expect((await send("slow but open")).type).toBe("message.sent");
			},
		);
		await withBeforeSend([reply("not json")], { failOpen: true }, async () => {
			expect((await send("bad but open")).type).toBe("message.sent");
		});
		const stored = (await history(a.token, g)).list.map((m: any) => m.content);
		expect(stored.sort()).toEqual(["bad but open", "slow but open"]);
		closeAll(a, b);
	});

	it("is not asked again for a retry of a stored message, nor for a send that would be refused anyway", async () => {
		const [a, b, stranger] = await Promise.all([chatUser(), chatUser(), chatUser()]);
		const ab = await makeFriends(a, b);
		const g = (await makeGroup(a, [b])).groupId;
		await withBeforeSend([reply({ action: "replace", content: "rewritten" })], {}, async (hook) => {
			const frame = { conversationId: ab, conversationType: "private", content: "original", localId: localId() };
			const first = await sendWs(a.a, frame);
			const again = await sendWs(a.a, frame);
			expect(again).toEqual(first);
			expect((await history(a.token, ab)).list.map((m: any) => m.content)).toEqual(["rewritten"]);

			const outsider = await sendWs(stranger.a, { conversationId: g, conversationType: "group", content: "hi" });
			expect(outsider.payload.code).toBe(SendCodes.NotGroupMember);
			const empty = await sendWs(a.a, { conversationId: ab, conversationType: "private", content: "" });
			expect(empty.payload.code).toBe(SendCodes.BadInput);
			await roundTrip(a.a);
			expect(await receivedBy(hook.name)).toHaveLength(1);
		});
		closeAll(a, b, stranger);
	});

	it("several hooks run oldest first: each sees the previous one's content, the first reject decides", async () => {
		const [a, b] = await Promise.all([chatUser(), chatUser()]);
		const ab = await makeFriends(a, b);
		await withBeforeSend([reply({ action: "replace", content: "step one" })], {}, async (first) => {
			await withBeforeSend(
				[reply({ action: "allow" }), reply({ action: "reject", reason: "second says no" })],
				{},
				async (second) => {
					const sent = await sendWs(a.a, { conversationId: ab, conversationType: "private", content: "start" });
					expect(sent.type).toBe("message.sent");
					const [seen] = await waitForDeliveries(second.name, () => true);
					expect(seen!.body.data.content).toBe("step one");
					const refused = await sendWs(a.a, { conversationId: ab, conversationType: "private", content: "next" });
					expect(refused.payload).toMatchObject({ code: SendCodes.MessageRejected, message: "second says no" });
					expect(await receivedBy(first.name)).toHaveLength(2);
				},
			);
		});
		expect((await history(a.token, ab)).list.map((m: any) => m.content)).toEqual(["step one"]);
		closeAll(a, b);
	});
});
