import { describe, expect, it } from "vitest";
import { fails, ok } from "./fixtures/api";
import { chatUser, closeAll, newIn, sendWs } from "./fixtures/chat";
import { seedFriends, seedGroup, unfriend } from "./fixtures/social-seed";
import { registerUser } from "./fixtures/users";
import { connect } from "./fixtures/ws";

describe("sync after being offline", () => {
	it("returns friends, groups, sessions and the missed messages, with recalls", async () => {
		const [alice, bob] = await Promise.all([chatUser(), chatUser()]);
		const ab = await seedFriends(alice.userId, bob.userId);
		const g = await seedGroup(bob.userId, [alice.userId]);
		await sendWs(bob.a, { conversationId: ab, conversationType: "private", content: "before" });
		await alice.a.waitForMessages(newIn(ab));
		const first = await ok("POST", "/sync", { token: alice.token });
		expect(first.friends.list.map((f: any) => f.userId)).toEqual([bob.userId]);
		expect(first.friends.list[0]).toMatchObject({
			isDeleted: false,
			userInfo: { userId: bob.userId, nickname: bob.nickname },
		});
		expect(first.groups.list).toEqual([
			expect.objectContaining({ groupId: g, ownerId: bob.userId, myRole: "member", memberCount: 2, isDeleted: false }),
		]);
		expect(first.sessions.list.map((s: any) => s.sessionId)).toEqual([ab]);
		expect(first.conversations).toEqual([]);
		const [done] = await alice.a.waitForNotification("sync.completed");
		expect(done!.payload.data).toEqual({ syncTime: first.syncTime });

		// Alice goes offline; Bob writes in both conversations and recalls one message.
		closeAll(alice);
		for (let i = 0; i < 3; i++)
			await sendWs(bob.a, { conversationId: ab, conversationType: "private", content: `p${i}` });
		const gone = await sendWs(bob.a, { conversationId: g, conversationType: "group", content: "oops" });
		await sendWs(bob.a, { conversationId: g, conversationType: "group", content: "g2" });
		await ok("POST", `/messages/${gone.payload.messageId}/recall`, { token: bob.token });
		await unfriend(alice.userId, bob.userId);

		const back = await connect(alice.token);
		const res = await ok("POST", "/sync", {
			token: alice.token,
			body: {
				lastSyncTime: first.syncTime,
				conversationSeqs: [
					{ conversationId: ab, conversationType: "private", lastSeq: 1 },
					{ conversationId: g, conversationType: "group", lastSeq: 0 },
					// Not a participant: left out.
					{ conversationId: crypto.randomUUID(), conversationType: "group", lastSeq: 0 },
				],
			},
		});
		expect(res.syncTime).toBeGreaterThanOrEqual(first.syncTime);
		expect(res.friends.list).toEqual([expect.objectContaining({ userId: bob.userId, isDeleted: true })]);
		expect(res.sessions.list.map((s: any) => [s.sessionId, s.unreadCount]).sort()).toEqual(
			[
				[ab, 4],
				[g, 2],
			].sort(),
		);
		const byId = Object.fromEntries(res.conversations.map((c: any) => [c.conversationId, c]));
		expect(Object.keys(byId).sort()).toEqual([ab, g].sort());
		expect(byId[ab].messages.map((m: any) => [m.sequence, m.content])).toEqual([
			[2, "p0"],
			[3, "p1"],
			[4, "p2"],
		]);
		expect(byId[ab]).toMatchObject({ conversationType: "private", hasMore: false });
		expect(byId[g].messages.map((m: any) => [m.sequence, m.status, m.content])).toEqual([
			[1, 1, ""],
			[2, 0, "g2"],
		]);
		await back.waitForNotification("sync.completed");

		// Back-fill in pages.
		const page = await ok("POST", "/sync/messages", {
			token: alice.token,
			body: {
				conversationSeqs: [{ conversationId: ab, conversationType: "private", lastSeq: 0 }],
				limitPerConversation: 2,
			},
		});
		expect(page.conversations[0].messages.map((m: any) => m.sequence)).toEqual([1, 2]);
		expect(page.conversations[0].hasMore).toBe(true);
		const rest = await ok("POST", "/sync/messages", {
			token: alice.token,
			body: { conversationSeqs: [{ conversationId: ab, lastSeq: 2 }] },
		});
		expect(rest.conversations[0].messages.map((m: any) => m.sequence)).toEqual([3, 4]);
		expect(rest.conversations[0].hasMore).toBe(false);

		// Outsiders get nothing; bad bodies are 400s.
		const eve = await registerUser();
		const none = await ok("POST", "/sync/messages", {
			token: eve.token,
			body: { conversationSeqs: [{ conversationId: ab, lastSeq: 0 }] },
		});
		expect(none.conversations).toEqual([]);
		await fails("POST", "/sync/messages", 400, 400, { token: eve.token });
		await fails("POST", "/sync/messages", 400, 400, {
			token: eve.token,
			body: { conversationSeqs: [], limitPerConversation: 101 },
		});
		await fails("POST", "/sync", 400, 400, { token: eve.token, body: { lastSyncTime: "yesterday" } });
		back.close();
		closeAll(bob);
	});
});
