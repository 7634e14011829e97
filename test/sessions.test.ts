import { describe, expect, it } from "vitest";
import { call, fails, ok } from "./fixtures/api";
import { chatUser, closeAll, newIn, sendWs } from "./fixtures/chat";
import { makeFriends, makeGroup } from "./fixtures/social";
import { registerUser } from "./fixtures/users";
import { roundTrip } from "./fixtures/ws";

const total = async (token: string) => (await ok("GET", "/sessions/unread/total", { token })).totalUnread;

describe("sessions and unread counts", () => {
	it("counts unread across send, read, mute and delete, and lists pinned sessions first", async () => {
		const [alice, bob, carol] = await Promise.all([chatUser(), chatUser(), chatUser()]);
		const ab = await makeFriends(alice, bob);
		const group = (await makeGroup(carol, [alice, bob])).groupId;

		for (let i = 0; i < 3; i++)
			await sendWs(bob.a, { conversationId: ab, conversationType: "private", content: `b${i}` });
		for (let i = 0; i < 2; i++)
			await sendWs(carol.a, { conversationId: group, conversationType: "group", content: `c${i}` });
		await alice.a.waitForMessages(newIn(group), 2);

		expect(await total(alice.token)).toBe(5);
		const list = await ok("GET", "/sessions", { token: alice.token });
		expect(list.hasMore).toBe(false);
		expect(list.list.map((s: any) => [s.sessionId, s.sessionType, s.unreadCount])).toEqual([
			[group, "group", 2],
			[ab, "private", 3],
		]);
		const s = list.list[1];
		expect(s).toMatchObject({
			targetId: bob.userId,
			lastMessageContent: "b2",
			isPinned: false,
			isMuted: false,
			pinTime: 0,
			lastSeq: 3,
			readSeq: 0,
		});
		for (const k of ["lastMessageId", "lastMessageTime", "createdAt", "updatedAt"]) expect(s[k]).toBeTruthy();
		// Bob's own messages are never unread for him.
		expect(await total(bob.token)).toBe(2);

		// Pin: pinned first; my other device is told.
		const pinned = await ok("PUT", `/sessions/${ab}/pin`, { token: alice.token, body: { pinned: true } });
		expect(pinned).toMatchObject({ sessionId: ab, isPinned: true });
		expect(pinned.pinTime).toBeGreaterThan(0);
		const [pinNote] = await alice.b.waitForNotification("session.pin_updated");
		expect(pinNote!.payload.data).toMatchObject({ sessionId: ab, isPinned: true });
		expect((await ok("GET", "/sessions", { token: alice.token })).list.map((x: any) => x.sessionId)).toEqual([
			ab,
			group,
		]);
		const page1 = await ok("GET", "/sessions?limit=1", { token: alice.token });
		expect(page1).toMatchObject({ hasMore: true, list: [{ sessionId: ab }] });

		// Mute: out of the total, other device told.
		await ok("PUT", `/sessions/${group}/mute`, { token: alice.token, body: { muted: true } });
		const [muteNote] = await alice.b.waitForNotification("session.mute_updated");
		expect(muteNote!.payload.data).toEqual({ sessionId: group, isMuted: true });
		expect(await total(alice.token)).toBe(3);
		expect((await ok("GET", `/sessions/${group}`, { token: alice.token })).unreadCount).toBe(2);

		// Read part of the private chat, then the rest.
		const partial = await ok("POST", `/sessions/${ab}/read`, { token: alice.token, body: { lastReadSeq: 2 } });
		expect(partial).toEqual({ sessionId: ab, lastReadSeq: 2, unreadCount: 1, totalUnread: 1 });
		const [receipt] = await bob.a.waitForNotification("message.read_receipt");
		expect(receipt!.payload.data).toMatchObject({
			conversationId: ab,
			userId: alice.userId,
			lastReadSeq: 2,
			conversationType: "private",
		});
		const [other] = await alice.b.waitForMessages(
			(f) => f.payload?.notificationType === "session.unread_updated" && f.payload.data.unreadCount === 1,
		);
		expect(other!.payload.data).toEqual({ sessionId: ab, unreadCount: 1, totalUnread: 1 });
		// Never backwards; no body = everything.
		expect(
			(await ok("POST", `/sessions/${ab}/read`, { token: alice.token, body: { lastReadSeq: 1 } })).lastReadSeq,
		).toBe(2);
		expect(await ok("POST", `/sessions/${ab}/read`, { token: alice.token })).toMatchObject({
			lastReadSeq: 3,
			unreadCount: 0,
		});
		expect(await total(alice.token)).toBe(0);

		// Unmute: the group's 2 count again; a new message makes 3.
		await ok("PUT", `/sessions/${group}/mute`, { token: alice.token, body: { muted: false } });
		expect(await total(alice.token)).toBe(2);
		await sendWs(carol.a, { conversationId: group, conversationType: "group", content: "c2" });
		await alice.a.waitForMessages(newIn(group), 3);
		expect(await total(alice.token)).toBe(3);

		// Delete: gone from the list and the total, other device told; a new message brings it back with only the new unread.
		await ok("DELETE", `/sessions/${group}`, { token: alice.token });
		await alice.b.waitForNotification("session.deleted");
		await fails("GET", `/sessions/${group}`, 404, 60101, { token: alice.token });
		expect((await ok("GET", "/sessions", { token: alice.token })).list.map((x: any) => x.sessionId)).toEqual([ab]);
		expect(await total(alice.token)).toBe(0);
		await sendWs(bob.a, { conversationId: group, conversationType: "group", content: "back" });
		await alice.a.waitForMessages(newIn(group), 4);
		expect(await ok("GET", `/sessions/${group}`, { token: alice.token })).toMatchObject({
			unreadCount: 1,
			lastMessageContent: "back",
		});
		expect(await total(alice.token)).toBe(1);

		// Other users' sessions and bad input.
		const stranger = await registerUser();
		await fails("GET", `/sessions/${ab}`, 404, 60101, { token: stranger.token });
		await fails("POST", `/sessions/${ab}/read`, 403, 403, { token: stranger.token });
		await fails("GET", `/sessions/${ab}/messages`, 403, 403, { token: stranger.token });
		await fails("PUT", `/sessions/${ab}/pin`, 400, 400, { token: alice.token, body: { pinned: "yes" } });
		await fails("GET", "/sessions?limit=0", 400, 400, { token: alice.token });
		await fails("GET", "/sessions?limit=101", 400, 400, { token: alice.token });
		expect((await call("GET", "/sessions")).status).toBe(401);
		closeAll(alice, bob, carol);
	});

	it("sends group read receipts to the other members", async () => {
		const [a, b, c] = await Promise.all([chatUser(), chatUser(), chatUser()]);
		const g = (await makeGroup(a, [b, c])).groupId;
		await sendWs(a.a, { conversationId: g, conversationType: "group", content: "x" });
		await ok("POST", `/sessions/${g}/read`, { token: b.token });
		for (const s of [a.a, c.b]) {
			const [r] = await s.waitForNotification("message.read_receipt");
			expect(r!.payload.data).toMatchObject({
				conversationId: g,
				userId: b.userId,
				lastReadSeq: 1,
				conversationType: "group",
			});
		}
		await roundTrip(b.b);
		expect(b.b.notifications("message.read_receipt")).toHaveLength(0);
		closeAll(a, b, c);
	});
});

describe("message history", () => {
	it("pages back newest first and forward from a sequence", async () => {
		const [alice, bob] = await Promise.all([chatUser(), chatUser()]);
		const ab = await makeFriends(alice, bob);
		for (let i = 1; i <= 7; i++)
			await sendWs(i % 2 ? alice.a : bob.a, { conversationId: ab, conversationType: "private", content: `m${i}` });
		const seqs = (d: any) => d.list.map((m: any) => m.sequence);
		const first = await ok("GET", `/sessions/${ab}/messages?limit=3`, { token: bob.token });
		expect(seqs(first)).toEqual([7, 6, 5]);
		expect(first.hasMore).toBe(true);
		expect(first.list[0]).toMatchObject({
			content: "m7",
			senderId: alice.userId,
			status: 0,
			conversationType: "private",
		});
		const second = await ok("GET", `/sessions/${ab}/messages?limit=3&before=5`, { token: bob.token });
		expect(seqs(second)).toEqual([4, 3, 2]);
		const last = await ok("GET", `/sessions/${ab}/messages?limit=3&before=2`, { token: bob.token });
		expect(last).toMatchObject({ hasMore: false });
		expect(seqs(last)).toEqual([1]);
		const forward = await ok("GET", `/sessions/${ab}/messages?after=3&limit=2`, { token: bob.token });
		expect(seqs(forward)).toEqual([4, 5]);
		expect(forward.hasMore).toBe(true);
		const tail = await ok("GET", `/sessions/${ab}/messages?after=5`, { token: bob.token });
		expect(seqs(tail)).toEqual([6, 7]);
		expect(tail.hasMore).toBe(false);
		const window = await ok("GET", `/sessions/${ab}/messages?after=2&before=6`, { token: bob.token });
		expect(seqs(window)).toEqual([5, 4, 3]);
		await fails("GET", `/sessions/${ab}/messages?limit=500`, 400, 400, { token: bob.token });
		await fails("GET", `/sessions/${ab}/messages?before=x`, 400, 400, { token: bob.token });
		closeAll(alice, bob);
	});
});

describe("typing", () => {
	it("relays typing to the other members only, dropping fast repeats", async () => {
		const [alice, bob] = await Promise.all([chatUser(), chatUser()]);
		const ab = await makeFriends(alice, bob);
		alice.a.send({
			type: "message.typing",
			payload: { conversationId: bob.userId, conversationType: "private", typing: true },
		});
		alice.a.send({ type: "message.typing", payload: { conversationId: ab, typing: true } });
		alice.a.send({ type: "message.typing", payload: { conversationId: ab, typing: false } });
		const got = await bob.b.waitForNotification("message.typing", 2);
		await roundTrip(alice.a);
		await roundTrip(bob.b);
		expect(bob.b.notifications("message.typing").map((f) => f.payload.data)).toEqual([
			{ conversationId: ab, conversationType: "private", userId: alice.userId, typing: true },
			{ conversationId: ab, conversationType: "private", userId: alice.userId, typing: false },
		]);
		expect(got).toHaveLength(2);
		expect(alice.b.notifications("message.typing")).toHaveLength(0);

		// Not a participant: an error frame, nothing relayed.
		const eve = await chatUser();
		eve.a.send({ type: "message.typing", payload: { conversationId: ab, typing: true } });
		const [err] = await eve.a.waitForMessages((f) => f.type === "error");
		expect(err!.payload.code).toBe(403);
		// Never stored: history is empty.
		expect((await ok("GET", `/sessions/${ab}/messages`, { token: bob.token })).list).toHaveLength(0);
		closeAll(alice, bob, eve);
	});
});
