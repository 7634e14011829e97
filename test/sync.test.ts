import { describe, expect, it } from "vitest";
import { privateConversationId } from "../contracts/ids";
import { fails, ok } from "./fixtures/api";
import { chatUser, closeAll, newIn, sendWs } from "./fixtures/chat";
import { makeFriends, makeGroup } from "./fixtures/social";
import { registerUser } from "./fixtures/users";
import { connect } from "./fixtures/ws";

describe("sync after being offline", () => {
	it("returns friends, groups (deletions flagged), sessions and the missed messages, with recalls", async () => {
		const [alice, bob] = await Promise.all([chatUser(), chatUser()]);
		const [carol, dave] = await Promise.all([registerUser(), registerUser()]);
		await makeFriends(alice, bob);
		await makeFriends(carol, alice);
		const ab = privateConversationId(alice.userId, bob.userId);
		const g = (await makeGroup(bob, [alice])).groupId;
		const left = (await makeGroup(carol, [alice], { name: "to leave" })).groupId;
		const removed = (await makeGroup(dave, [alice], { name: "removed from" })).groupId;
		const dissolved = (await makeGroup(carol, [alice, dave], { name: "dissolved" })).groupId;
		await sendWs(bob.a, { conversationId: ab, conversationType: "private", content: "before" });
		await alice.a.waitForMessages(newIn(ab));
		const first = await ok("POST", "/sync", { token: alice.token });
		expect(first.friends.list.map((f: any) => f.userId).sort()).toEqual([bob.userId, carol.userId].sort());
		expect(first.friends.list.find((f: any) => f.userId === bob.userId)).toMatchObject({
			isDeleted: false,
			userInfo: { userId: bob.userId, nickname: bob.nickname },
		});
		expect(first.groups.list.map((x: any) => x.groupId).sort()).toEqual([g, left, removed, dissolved].sort());
		expect(first.groups.list.find((x: any) => x.groupId === g)).toMatchObject({
			groupId: g,
			ownerId: bob.userId,
			myRole: "member",
			memberCount: 2,
			isDeleted: false,
		});
		// One shape per entity: the sync lists hold exactly what GET /friends and GET /groups return.
		const friendList = await ok("GET", "/friends", { token: alice.token });
		expect(first.friends.list).toEqual(friendList.list);
		expect(first.friends.total).toBe(friendList.total);
		expect(first.groups.list).toEqual((await ok("GET", "/groups", { token: alice.token })).groups);
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
		// Meanwhile her social graph shrinks in every way there is, all through the real routes.
		await ok("DELETE", `/friends/${alice.userId}`, { token: bob.token });
		await ok("POST", "/friends/blacklist", { token: carol.token, body: { userId: alice.userId } });
		await ok("POST", `/groups/${left}/quit`, { token: alice.token });
		await ok("DELETE", `/groups/${removed}/members/${alice.userId}`, { token: dave.token });
		await ok("DELETE", `/groups/${dissolved}`, { token: carol.token });

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
		// Unfriended and block-hidden friends, and groups left, removed from or dissolved, come back
		// flagged. The boundary second is included, so an unchanged row of that second may come again.
		const flagged = (list: any[], key: string) =>
			list
				.filter((x) => x.isDeleted)
				.map((x) => x[key])
				.sort();
		expect(flagged(res.friends.list, "userId")).toEqual([bob.userId, carol.userId].sort());
		expect(res.friends.list.filter((f: any) => !f.isDeleted)).toEqual([]);
		expect(res.friends.total).toBe(res.friends.list.length);
		expect(flagged(res.groups.list, "groupId")).toEqual([left, removed, dissolved].sort());
		expect(res.groups.list.filter((x: any) => !x.isDeleted).map((x: any) => x.groupId)).toEqual(
			res.groups.list.some((x: any) => x.groupId === g) ? [g] : [],
		);
		for (const x of res.groups.list.filter((y: any) => y.isDeleted)) expect(x.myRole).toBe("");
		// A full sync now shows only what is current.
		const full = await ok("POST", "/sync", { token: alice.token });
		expect(full.friends.list).toEqual([]);
		expect(full.groups.list.map((x: any) => x.groupId)).toEqual([g]);
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
