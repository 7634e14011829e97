import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { privateConversationId } from "../contracts/ids";
import { CONFIG_KEYS } from "../domain/system-config";
import { call, fails, ok } from "./fixtures/api";
import { chatUser, closeAll, isNew, localId, newIn, sendWs, text } from "./fixtures/chat";
import { makeFriends, makeGroup } from "./fixtures/social";
import { registerUser } from "./fixtures/users";
import { roundTrip } from "./fixtures/ws";

describe("private messages", () => {
	it("reaches both devices of the peer and the sender's other device, not the sending socket", async () => {
		const [alice, bob] = await Promise.all([chatUser(), chatUser()]);
		const convId = await makeFriends(alice, bob);

		// The peer's user ID is accepted as conversationId and mapped to the canonical ID.
		const ack = await sendWs(alice.a, { conversationId: bob.userId, conversationType: "private", content: text("hi") });
		expect(ack.type).toBe("message.sent");
		expect(ack.payload).toMatchObject({ conversationId: convId, sequence: 1 });
		expect(typeof ack.payload.messageId).toBe("string");
		expect(typeof ack.payload.timestamp).toBe("number");

		const expected = {
			messageId: ack.payload.messageId,
			conversationId: convId,
			conversationType: "private",
			senderId: alice.userId,
			contentType: "text",
			content: text("hi"),
			sequence: 1,
			status: 0,
			replyTo: "",
			atUsers: [],
			createdAt: ack.payload.timestamp,
			timestamp: ack.payload.timestamp,
			senderInfo: { userId: alice.userId, nickname: alice.nickname, avatar: "" },
		};
		for (const s of [bob.a, bob.b, alice.b]) {
			const [f] = await s.waitForMessages(newIn(convId));
			expect(f!.payload.data).toEqual(expected);
		}
		const unread = await bob.a.waitForNotification("session.unread_updated");
		expect(unread[0]!.payload.data).toMatchObject({ sessionId: convId, unreadCount: 1, totalUnread: 1 });

		// Reply the other way, using the canonical ID and the integer content type alias.
		const back = await sendWs(bob.b, {
			conversationId: convId,
			conversationType: "single",
			contentType: 1,
			content: "plain",
		});
		expect(back.payload.sequence).toBe(2);
		const [reply] = await alice.a.waitForMessages(newIn(convId));
		expect(reply!.payload.data).toMatchObject({
			content: "plain",
			contentType: "text",
			senderId: bob.userId,
			sequence: 2,
		});

		await roundTrip(alice.a);
		expect(alice.a.frames.filter(newIn(convId)).map((f) => f.payload.data.sequence)).toEqual([2]);
		closeAll(alice, bob);
	});

	it("answers a retried localId with the original ack and stores nothing new", async () => {
		const [alice, bob] = await Promise.all([chatUser(), chatUser()]);
		const convId = await makeFriends(alice, bob);
		const id = localId();
		const first = await sendWs(alice.a, {
			conversationId: convId,
			conversationType: "private",
			content: "once",
			localId: id,
		});
		const again = await sendWs(alice.a, {
			conversationId: convId,
			conversationType: "private",
			content: "once",
			localId: id,
		});
		// Over HTTP with the same device's token, the content type by its alias: still the same message.
		const http = await ok("POST", "/messages", {
			token: alice.token,
			body: { conversationId: convId, conversationType: "private", contentType: 1, content: "once", localId: id },
		});
		expect(again.payload).toEqual(first.payload);
		expect(http).toEqual(first.payload);
		const history = await ok("GET", `/sessions/${convId}/messages`, { token: bob.token });
		expect(history.list).toHaveLength(1);
		await roundTrip(bob.a);
		expect(bob.a.frames.filter(isNew)).toHaveLength(1);
		closeAll(alice, bob);
	});

	it("refuses strangers (30117), blocked pairs (30114) and bad content, echoing the localId", async () => {
		const [alice, bob] = await Promise.all([chatUser(), chatUser()]);
		const stranger = await registerUser();
		const strangerConv = privateConversationId(alice.userId, stranger.userId);
		const refused = async (payload: Record<string, unknown>, code: number) => {
			const id = localId();
			const res = await sendWs(alice.a, { conversationType: "private", content: "x", ...payload, localId: id });
			expect(res, JSON.stringify(res)).toMatchObject({ type: "message.error", payload: { code, localId: id } });
			expect(typeof res.payload.message).toBe("string");
		};
		// Never synced: the Conversation looks D1 up once and refuses.
		await refused({ conversationId: stranger.userId }, 30117);
		await refused({ conversationId: strangerConv }, 30117);
		// A refusal loaded lazily is not stored: probing IDs writes nothing.
		await runInDurableObject(env.CONVERSATION.getByName(`conv:${strangerConv}`), (_obj, state) => {
			expect(state.storage.sql.exec("SELECT COUNT(*) AS n FROM meta").one().n).toBe(0);
		});

		const convId = await makeFriends(alice, bob);
		await refused({ conversationId: convId, content: "" }, 400);
		await refused({ conversationId: convId, content: "x".repeat(32 * 1024 + 1) }, 413);
		await refused({ conversationId: convId, contentType: "hologram" }, 400);
		await refused({ conversationId: convId, contentType: "system" }, 400);
		await refused({ conversationId: convId, content: 42 }, 400);
		await refused({ conversationId: convId, conversationType: "channel" }, 400);
		await refused({ conversationId: convId, replyTo: "nope" }, 50101);
		await refused({ conversationId: convId, atUsers: [stranger.userId] }, 400);
		await refused({ conversationId: alice.userId }, 400);
		await refused({ conversationId: convId, conversationType: "group" }, 400);
		// Exactly 32 KiB of UTF-8 is fine (multi-byte characters count as bytes).
		const ok32 = await sendWs(alice.a, {
			conversationId: convId,
			conversationType: "private",
			content: "é".repeat(16 * 1024),
		});
		expect(ok32.type).toBe("message.sent");
		await refused({ conversationId: convId, content: "é".repeat(16 * 1024 + 1) }, 413);

		// replyTo must name a message of this same conversation.
		const other = await chatUser();
		const otherConv = await makeFriends(alice, other);
		const elsewhere = await sendWs(alice.a, { conversationId: otherConv, conversationType: "private", content: "y" });
		await refused({ conversationId: convId, replyTo: elsewhere.payload.messageId }, 50101);
		const reply = await sendWs(alice.a, {
			conversationId: convId,
			conversationType: "private",
			content: "re",
			replyTo: ok32.payload.messageId,
			atUsers: [bob.userId],
		});
		expect(reply.type).toBe("message.sent");
		const mention = await bob.a.waitForNotification("message.mentioned");
		expect(mention[0]!.payload.data).toMatchObject({
			messageId: reply.payload.messageId,
			fromUserId: alice.userId,
			content: "re",
		});

		await ok("POST", "/friends/blacklist", { token: bob.token, body: { userId: alice.userId } });
		await refused({ conversationId: convId }, 30114);
		await ok("DELETE", `/friends/${bob.userId}`, { token: alice.token });
		await refused({ conversationId: convId }, 30114);
		// Unblocked but no longer friends: 30117.
		await ok("DELETE", `/friends/blacklist/${alice.userId}`, { token: bob.token });
		await refused({ conversationId: convId }, 30117);

		// Someone else's private conversation.
		const eve = await chatUser();
		const evil = await sendWs(eve.a, { conversationId: otherConv, conversationType: "private", content: "z" });
		expect(evil.type).toBe("message.error");

		// A malformed payload is still answered with message.error carrying the localId.
		alice.a.send({ type: "message.send", payload: { localId: "bad-1" } });
		const [bad] = await alice.a.waitForMessages((f) => f.type === "message.error" && f.payload.localId === "bad-1");
		expect(bad!.payload.code).toBe(400);
		closeAll(alice, bob, other, eve);
	});
});

describe("group messages", () => {
	it("fans out to every member's devices with mentions, and enforces membership, mutes and dissolution", async () => {
		const [owner, member, admin] = await Promise.all([chatUser(), chatUser(), chatUser()]);
		const outsider = await chatUser();
		const groupId = (await makeGroup(owner, [member, admin], { admins: [admin] })).groupId;
		const muteMember = (muted: boolean) =>
			ok("PUT", `/groups/${groupId}/members/${member.userId}/mute`, { token: admin.token, body: { muted } });
		const muteGroup = (muted: boolean) => ok("PUT", `/groups/${groupId}/mute`, { token: owner.token, body: { muted } });

		const ack = await sendWs(member.a, {
			conversationId: groupId,
			conversationType: "group",
			content: text("hello all"),
			atUsers: [owner.userId],
		});
		expect(ack.payload).toMatchObject({ conversationId: groupId, sequence: 1 });
		for (const s of [owner.a, owner.b, admin.a, admin.b, member.b]) {
			const [f] = await s.waitForMessages(newIn(groupId));
			expect(f!.payload.data).toMatchObject({
				conversationType: "group",
				senderId: member.userId,
				atUsers: [owner.userId],
			});
		}
		const [m] = await owner.b.waitForNotification("message.mentioned");
		expect(m!.payload.data).toMatchObject({ conversationId: groupId, content: "hello all", sequence: 1 });

		const refused = async (who: typeof owner, code: number, extra: Record<string, unknown> = {}) => {
			const res = await sendWs(who.a, { conversationId: groupId, conversationType: "group", content: "x", ...extra });
			expect(res, JSON.stringify(res)).toMatchObject({ type: "message.error", payload: { code } });
		};
		await refused(outsider, 40105);
		// Named as private, a group ID is taken for a peer's user ID: no such friend.
		await refused(owner, 30117, { conversationType: "private" });
		await refused(owner, 400, { atUsers: [outsider.userId] });

		await muteMember(true);
		await refused(member, 40115);
		await muteMember(false);
		await muteGroup(true);
		await refused(member, 40115);
		// Owners and admins still speak in a muted group.
		expect((await sendWs(admin.a, { conversationId: groupId, conversationType: "group", content: "a" })).type).toBe(
			"message.sent",
		);
		await muteGroup(false);
		expect(
			(await sendWs(member.a, { conversationId: groupId, conversationType: "group", content: "m" })).payload.sequence,
		).toBe(3);

		// Refused while outside, then invited: the route's sync hook lets the newcomer speak at once.
		await ok("POST", `/groups/${groupId}/members`, { token: owner.token, body: { userIds: [outsider.userId] } });
		const joined = await sendWs(outsider.a, { conversationId: groupId, conversationType: "group", content: "hi" });
		expect(joined.type).toBe("message.sent");

		await ok("DELETE", `/groups/${groupId}`, { token: owner.token });
		await refused(owner, 40101);
		// A group ID nobody knows.
		const unknown = await sendWs(owner.a, {
			conversationId: crypto.randomUUID(),
			conversationType: "group",
			content: "x",
		});
		expect(unknown.payload.code).toBe(40101);
		closeAll(owner, member, admin, outsider);
	});

	it("keeps sequences gap-free and identical for everyone under 10 concurrent senders x 50 messages", async () => {
		const users = await Promise.all(Array.from({ length: 10 }, () => chatUser()));
		const groupId = (await makeGroup(users[0]!, users.slice(1))).groupId;
		const PER = 50;
		const acks = await Promise.all(
			users.map(async (u, i) => {
				const ids = Array.from({ length: PER }, (_, k) => `c${i}-${k}`);
				for (const id of ids) {
					u.a.send({
						type: "message.send",
						payload: {
							conversationId: groupId,
							conversationType: "group",
							contentType: "text",
							content: `${i}:${id}`,
							localId: id,
						},
					});
				}
				const got = await u.a.waitForMessages(
					(f) => f.type === "message.sent" || f.type === "message.error",
					PER,
					60_000,
				);
				return got;
			}),
		);
		const all = acks.flat();
		expect(all.every((f) => f.type === "message.sent")).toBe(true);
		const seqs = all.map((f) => f.payload.sequence).sort((a, b) => a - b);
		expect(seqs).toEqual(Array.from({ length: 10 * PER }, (_, k) => k + 1));
		// Each device's own messages keep the order it sent them in.
		for (const list of acks) {
			const own = list.map((f) => f.payload.sequence);
			expect(own).toEqual([...own].sort((a, b) => a - b));
		}
		// Every member's second device sees all 500 in sequence order, no gaps, no duplicates.
		for (const u of users) {
			const got = await u.b.waitForMessages(newIn(groupId), 10 * PER, 60_000);
			expect(got.map((f) => f.payload.data.sequence)).toEqual(Array.from({ length: 10 * PER }, (_, k) => k + 1));
		}
		const page = await ok("GET", `/sessions/${groupId}/messages?limit=100`, { token: users[3]!.token });
		expect(page.list.map((m: any) => m.sequence)).toEqual(Array.from({ length: 100 }, (_, k) => 500 - k));
		expect(page.hasMore).toBe(true);
		closeAll(...users);
	}, 120_000);
});

describe("messages over HTTP", () => {
	it("sends, reads one message, recalls and deletes for me", async () => {
		const [alice, bob] = await Promise.all([chatUser(), chatUser()]);
		const convId = await makeFriends(alice, bob);
		const ack = await ok("POST", "/messages", {
			token: alice.token,
			body: { conversationId: bob.userId, conversationType: "private", contentType: "image", content: '{"url":"x"}' },
		});
		expect(ack).toMatchObject({ conversationId: convId, sequence: 1, localId: "" });
		// The HTTP caller's device is the origin: its socket does not get message.new, the others do.
		await alice.b.waitForMessages(newIn(convId));
		await bob.a.waitForMessages(newIn(convId));

		const msg = await ok("GET", `/messages/${ack.messageId}`, { token: bob.token });
		expect(msg).toMatchObject({ messageId: ack.messageId, contentType: "image", content: '{"url":"x"}', status: 0 });
		const outsider = await registerUser();
		await fails("GET", `/messages/${ack.messageId}`, 403, 403, { token: outsider.token });
		await fails("GET", "/messages/nonsense", 404, 50101, { token: bob.token });

		// Only the sender may recall; the recall reaches both sides.
		await fails("POST", `/messages/${ack.messageId}/recall`, 403, 50106, { token: bob.token });
		const recalled = await ok("POST", `/messages/${ack.messageId}/recall`, { token: alice.token });
		expect(recalled.messageId).toBe(ack.messageId);
		for (const s of [bob.a, bob.b, alice.a, alice.b]) {
			const [f] = await s.waitForNotification("message.recalled");
			expect(f!.payload.data).toMatchObject({
				messageId: ack.messageId,
				conversationId: convId,
				sequence: 1,
				operatorId: alice.userId,
			});
		}
		expect(await ok("GET", `/messages/${ack.messageId}`, { token: bob.token })).toMatchObject({
			status: 1,
			content: "",
		});
		const session = await ok("GET", `/sessions/${convId}`, { token: bob.token });
		expect(session.lastMessageContent).toBe("[消息已撤回]");

		// Delete for me: gone for bob, still there for alice.
		await ok("DELETE", `/messages/${ack.messageId}`, { token: bob.token });
		await fails("GET", `/messages/${ack.messageId}`, 404, 50101, { token: bob.token });
		expect((await ok("GET", `/sessions/${convId}/messages`, { token: bob.token })).list).toHaveLength(0);
		expect((await ok("GET", `/sessions/${convId}/messages`, { token: alice.token })).list).toHaveLength(1);

		// HTTP errors use the same codes.
		await fails("POST", "/messages", 400, 400, {
			token: alice.token,
			body: { conversationId: convId, conversationType: "private", contentType: "text", content: "" },
		});
		await fails("POST", "/messages", 400, 400, { token: alice.token, body: { conversationType: "private" } });
		const stranger = await registerUser();
		await fails("POST", "/messages", 403, 30117, {
			token: alice.token,
			body: { conversationId: stranger.userId, conversationType: "private", contentType: "text", content: "x" },
		});
		expect((await call("POST", "/messages", { body: {} })).status).toBe(401);
		closeAll(alice, bob);
	});

	it("lets a group owner recall any message but a sender only within the window", async () => {
		const [owner, member] = await Promise.all([chatUser(), chatUser()]);
		const groupId = (await makeGroup(owner, [member])).groupId;
		const ack = await sendWs(member.a, { conversationId: groupId, conversationType: "group", content: "oops" });
		const late = await sendWs(member.a, { conversationId: groupId, conversationType: "group", content: "old" });
		// An outsider is refused before the recall rules apply.
		await fails("POST", `/messages/${ack.payload.messageId}/recall`, 403, 40105, {
			token: (await registerUser()).token,
		});
		// Age the second message past the window (state set up in storage, nothing mocked).
		await runInDurableObject(env.CONVERSATION.getByName(`conv:${groupId}`), (_obj, state) => {
			state.storage.sql.exec(
				"UPDATE messages SET created_at = created_at - ? WHERE message_id = ?",
				CONFIG_KEYS["message.max_recall"].default + 1,
				late.payload.messageId,
			);
		});
		await fails("POST", `/messages/${late.payload.messageId}/recall`, 403, 50104, { token: member.token });
		// Within the window the sender may; the owner may any time.
		await ok("POST", `/messages/${ack.payload.messageId}/recall`, { token: member.token });
		const res = await ok("POST", `/messages/${late.payload.messageId}/recall`, { token: owner.token });
		expect(res.messageId).toBe(late.payload.messageId);
		const got = await member.b.waitForNotification("message.recalled", 2);
		expect(got.map((f) => [f.payload.data.messageId, f.payload.data.operatorId])).toEqual([
			[ack.payload.messageId, member.userId],
			[late.payload.messageId, owner.userId],
		]);
		closeAll(owner, member);
	});
});
