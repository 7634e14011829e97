import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { privateConversationId } from "../contracts/ids";
import { settleFriendRequest } from "../db/friends";
import { friendsChangedSince } from "../workers/services/friends";
import { call, fails, ok } from "./fixtures/api";
import { makeFriends } from "./fixtures/social";
import { loginDevice, registerUser, type TestUser } from "./fixtures/users";
import { connect, roundTrip, type TestSocket } from "./fixtures/ws";

const nowSec = () => Math.floor(Date.now() / 1000);

async function friendIds(u: TestUser, query = "") {
	const data = await ok("GET", `/friends${query}`, { token: u.token });
	return data;
}

/** Asserts that none of the sockets got a notification of `type` (after a ping round trip). */
async function noneGot(type: string, ...sockets: TestSocket[]) {
	for (const s of sockets) {
		await roundTrip(s);
		expect(s.notifications(type), `unexpected ${type}`).toHaveLength(0);
	}
}

async function privateCode(a: TestUser, b: TestUser): Promise<string | null> {
	const stub = env.CONVERSATION.getByName(`conv:${privateConversationId(a.userId, b.userId)}`);
	return runInDurableObject(stub, async (_obj, state) => {
		const row = state.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'privateCode'").toArray();
		return row[0]?.value ?? null;
	});
}

describe("friend requests", () => {
	it("sends, lists and accepts a request, notifying exactly the right users", async () => {
		const [a, b, other] = await Promise.all([registerUser(), registerUser(), registerUser()]);
		const [sa, sb, so] = await Promise.all([connect(a.token), connect(b.token), connect(other.token)]);

		const sent = await ok("POST", "/friends/requests", {
			token: a.token,
			body: { userId: b.userId, message: "hello", source: "search" },
		});
		expect(sent).toEqual({ requestId: expect.any(Number), autoAccepted: false });

		const [frame] = await sb.waitForNotification("friend.request");
		expect(frame!.payload.data).toEqual({
			requestId: sent.requestId,
			fromUserId: a.userId,
			toUserId: b.userId,
			message: "hello",
			source: "search",
			status: "pending",
			autoAccepted: false,
			createdAt: expect.any(Number),
			fromUserInfo: { userId: a.userId, nickname: a.nickname, avatar: "" },
		});
		await noneGot("friend.request", sa, so);

		const received = await ok("GET", "/friends/requests", { token: b.token });
		expect(received).toEqual({
			list: [
				{
					requestId: sent.requestId,
					fromUserId: a.userId,
					toUserId: b.userId,
					message: "hello",
					source: "search",
					status: "pending",
					createdAt: expect.any(Number),
					fromUserInfo: { userId: a.userId, nickname: a.nickname, avatar: "" },
				},
			],
			total: 1,
			page: 1,
			pageSize: 20,
		});
		const sentList = await ok("GET", "/friends/requests?type=sent", { token: a.token });
		expect(sentList.list.map((r: any) => r.requestId)).toEqual([sent.requestId]);
		expect((await ok("GET", "/friends/requests?type=sent", { token: b.token })).total).toBe(0);
		await fails("GET", "/friends/requests?type=other", 400, 400, { token: a.token });

		expect(
			await ok("PUT", `/friends/requests/${sent.requestId}`, { token: b.token, body: { action: "accept" } }),
		).toBeNull();
		const [handled] = await sa.waitForNotification("friend.request_handled");
		expect(handled!.payload.data).toEqual({
			requestId: sent.requestId,
			fromUserId: a.userId,
			toUserId: b.userId,
			status: "accepted",
			handledAt: expect.any(Number),
		});
		await noneGot("friend.request_handled", sb, so);

		const list = await friendIds(a);
		expect(list).toEqual({
			list: [
				{
					userId: b.userId,
					remark: "",
					createdAt: expect.any(Number),
					updatedAt: expect.any(Number),
					isDeleted: false,
					userInfo: { userId: b.userId, nickname: b.nickname, avatar: "" },
				},
			],
			total: 1,
			page: 1,
			pageSize: 20,
		});
		expect((await friendIds(b)).list.map((f: any) => f.userId)).toEqual([a.userId]);
		expect(await ok("GET", `/users/${b.userId}`, { token: a.token })).toMatchObject({
			isFriend: true,
			isBlocked: false,
		});
		expect(await ok("GET", `/users/${a.userId}`, { token: other.token })).toMatchObject({ isFriend: false });
		expect((await ok("GET", "/friends/requests", { token: b.token })).list[0].status).toBe("accepted");
		for (const s of [sa, sb, so]) s.close();
	});

	it("rejects a request and tells only the sender", async () => {
		const [a, b] = await Promise.all([registerUser(), registerUser()]);
		const [sa, sb] = await Promise.all([connect(a.token), connect(b.token)]);
		const { requestId } = await ok("POST", "/friends/requests", {
			token: a.token,
			body: { userId: b.userId, source: "qrcode" },
		});
		await ok("PUT", `/friends/requests/${requestId}`, { token: b.token, body: { action: "reject" } });
		const [f] = await sa.waitForNotification("friend.request_handled");
		expect(f!.payload.data.status).toBe("rejected");
		await noneGot("friend.request_handled", sb);
		expect((await friendIds(a)).total).toBe(0);
		// A rejected request no longer blocks a new one.
		await ok("POST", "/friends/requests", { token: a.token, body: { userId: b.userId, source: "search" } });
		sa.close();
		sb.close();
	});

	it("makes no friends from an accept that lost to a reject (the settle batch checks the request it settled)", async () => {
		// The route checks the request is pending before it settles it; two answers can both pass
		// that check. This is the accept whose batch runs after the reject's.
		const [a, b] = await Promise.all([registerUser(), registerUser()]);
		const { requestId } = await ok("POST", "/friends/requests", {
			token: a.token,
			body: { userId: b.userId, source: "search" },
		});
		const req = { id: requestId, fromUserId: a.userId, toUserId: b.userId };
		expect(await settleFriendRequest(env, req, false, nowSec())).toBe(true);
		expect(await settleFriendRequest(env, req, true, nowSec())).toBe(false);
		expect((await friendIds(a)).total).toBe(0);
		expect((await friendIds(b)).total).toBe(0);
		const sent = await ok("GET", "/friends/requests?type=sent", { token: a.token });
		expect(sent.list.find((r: { requestId: number }) => r.requestId === requestId)?.status).toBe("rejected");
		// The accept that wins still makes both rows.
		const again = await ok("POST", "/friends/requests", {
			token: a.token,
			body: { userId: b.userId, source: "search" },
		});
		expect(await settleFriendRequest(env, { ...req, id: again.requestId }, true, nowSec())).toBe(true);
		expect([(await friendIds(a)).total, (await friendIds(b)).total]).toEqual([1, 1]);
	});

	it("accepts at once when the target does not require verification", async () => {
		const [a, b] = await Promise.all([registerUser(), registerUser()]);
		await ok("PUT", "/users/me/settings", { token: b.token, body: { friendVerifyRequired: false } });
		const sb = await connect(b.token);
		const res = await ok("POST", "/friends/requests", { token: a.token, body: { userId: b.userId, source: "search" } });
		expect(res.autoAccepted).toBe(true);
		const [f] = await sb.waitForNotification("friend.request");
		expect(f!.payload.data).toMatchObject({ status: "accepted", autoAccepted: true });
		expect((await friendIds(a)).list.map((x: any) => x.userId)).toEqual([b.userId]);
		expect((await friendIds(b)).list.map((x: any) => x.userId)).toEqual([a.userId]);
		expect(await privateCode(a, b)).toBe("0");
		sb.close();
	});

	it("refuses bad requests with the right codes", async () => {
		const [a, b, c] = await Promise.all([registerUser(), registerUser(), registerUser()]);
		await fails("POST", "/friends/requests", 400, 30106, {
			token: a.token,
			body: { userId: a.userId, source: "search" },
		});
		await fails("POST", "/friends/requests", 404, 20103, {
			token: a.token,
			body: { userId: "00000000-0000-4000-8000-000000000000", source: "search" },
		});
		const bad = await fails("POST", "/friends/requests", 400, 400, {
			token: a.token,
			body: { userId: b.userId, source: "nowhere" },
		});
		expect(bad.body.message).toContain("source");
		await fails("POST", "/friends/requests", 400, 400, {
			token: a.token,
			body: { userId: b.userId, source: "search", message: "x".repeat(201) },
		});
		await fails("POST", "/friends/requests", 401, 10109, {
			token: "nope",
			body: { userId: b.userId, source: "search" },
		});

		const { requestId } = await ok("POST", "/friends/requests", {
			token: a.token,
			body: { userId: b.userId, source: "search" },
		});
		// Pending in either direction.
		await fails("POST", "/friends/requests", 409, 30115, {
			token: a.token,
			body: { userId: b.userId, source: "search" },
		});
		await fails("POST", "/friends/requests", 409, 30115, {
			token: b.token,
			body: { userId: a.userId, source: "search" },
		});
		// Only the recipient handles it.
		await fails("PUT", `/friends/requests/${requestId}`, 403, 30116, { token: a.token, body: { action: "accept" } });
		await fails("PUT", `/friends/requests/${requestId}`, 403, 30116, { token: c.token, body: { action: "accept" } });
		await fails("PUT", `/friends/requests/${requestId}`, 400, 400, { token: b.token, body: { action: "maybe" } });
		await fails("PUT", "/friends/requests/abc", 400, 400, { token: b.token, body: { action: "accept" } });
		await fails("PUT", "/friends/requests/999999999", 404, 30105, { token: b.token, body: { action: "accept" } });
		await ok("PUT", `/friends/requests/${requestId}`, { token: b.token, body: { action: "accept" } });
		await fails("PUT", `/friends/requests/${requestId}`, 409, 30107, { token: b.token, body: { action: "reject" } });
		await fails("POST", "/friends/requests", 409, 30101, {
			token: a.token,
			body: { userId: b.userId, source: "search" },
		});
		await fails("POST", "/friends/requests", 409, 30101, {
			token: b.token,
			body: { userId: a.userId, source: "search" },
		});
		await fails("GET", "/friends?pageSize=101", 400, 400, { token: a.token });
		await fails("GET", "/friends?page=0", 400, 400, { token: a.token });
	});
});

describe("friendship", () => {
	it("deletes both sides, reports the tombstone incrementally and can be re-added", async () => {
		const [a, b, other] = await Promise.all([registerUser(), registerUser(), registerUser()]);
		await makeFriends(a, b);
		expect(await privateCode(a, b)).toBe("0");
		const a2 = await loginDevice(a, "a-second");
		const [sa, sa2, sb, so] = await Promise.all([
			connect(a.token),
			connect(a2.token),
			connect(b.token),
			connect(other.token),
		]);
		const before = nowSec() - 1;
		await ok("DELETE", `/friends/${b.userId}`, { token: a.token });
		const [f] = await sb.waitForNotification("friend.deleted");
		expect(f!.payload.data).toEqual({ friendUserId: a.userId, deletedAt: expect.any(Number) });
		await noneGot("friend.deleted", sa, sa2, so);

		expect((await friendIds(a)).total).toBe(0);
		expect((await friendIds(b)).total).toBe(0);
		const inc = await friendIds(b, `?lastUpdateTime=${before}`);
		expect(inc.list).toEqual([expect.objectContaining({ userId: a.userId, isDeleted: true })]);
		const sync = await friendsChangedSince(env, a.userId, before);
		expect(sync).toEqual([expect.objectContaining({ userId: b.userId, isDeleted: true })]);
		expect(await ok("GET", `/users/${b.userId}`, { token: a.token })).toMatchObject({ isFriend: false });
		expect(await privateCode(a, b)).toBe("30117");

		await fails("DELETE", `/friends/${b.userId}`, 404, 30117, { token: a.token });
		await fails("DELETE", `/friends/${b.userId}`, 404, 30117, { token: b.token });
		await fails("PUT", `/friends/${b.userId}/remark`, 404, 30117, { token: a.token, body: { remark: "x" } });

		await makeFriends(b, a);
		expect((await friendIds(a)).list).toEqual([expect.objectContaining({ userId: b.userId, isDeleted: false })]);
		expect(await privateCode(a, b)).toBe("0");
		const again = await friendIds(a, `?lastUpdateTime=${before}`);
		expect(again.list).toEqual([expect.objectContaining({ userId: b.userId, isDeleted: false })]);
		for (const s of [sa, sa2, sb, so]) s.close();
	});

	it("sets a remark and tells only my other devices", async () => {
		const [a, b] = await Promise.all([registerUser(), registerUser()]);
		await makeFriends(a, b);
		const a2 = await loginDevice(a, "a-phone");
		const [sa, sa2, sb] = await Promise.all([connect(a.token), connect(a2.token), connect(b.token)]);
		await ok("PUT", `/friends/${b.userId}/remark`, { token: a.token, body: { remark: "old pal" } });
		const [f] = await sa2.waitForNotification("friend.remark_updated");
		expect(f!.payload.data).toEqual({ friendUserId: b.userId, remark: "old pal", updatedAt: expect.any(Number) });
		await noneGot("friend.remark_updated", sa, sb);
		expect((await friendIds(a)).list[0].remark).toBe("old pal");
		expect((await friendIds(b)).list[0].remark).toBe("");
		await fails("PUT", `/friends/${b.userId}/remark`, 400, 400, { token: a.token, body: { remark: "x".repeat(51) } });
		await ok("PUT", `/friends/${b.userId}/remark`, { token: a.token, body: {} });
		expect((await friendIds(a)).list[0].remark).toBe("");
		for (const s of [sa, sa2, sb]) s.close();
	});

	it("tells friends (only) when a profile changes", async () => {
		const [a, friend, stranger, blockedFriend] = await Promise.all([
			registerUser(),
			registerUser(),
			registerUser(),
			registerUser(),
		]);
		await makeFriends(a, friend);
		await makeFriends(a, blockedFriend);
		await ok("POST", "/friends/blacklist", { token: blockedFriend.token, body: { userId: a.userId } });
		const [sa, sf, ss, sbf] = await Promise.all([
			connect(a.token),
			connect(friend.token),
			connect(stranger.token),
			connect(blockedFriend.token),
		]);
		await ok("PUT", "/users/me", { token: a.token, body: { signature: "new me" } });
		const [f] = await sf.waitForNotification("user.friend_profile_changed");
		expect(f!.payload.data).toMatchObject({ userId: a.userId, signature: "new me", nickname: a.nickname });
		await noneGot("user.friend_profile_changed", sa, ss, sbf);
		for (const s of [sa, sf, ss, sbf]) s.close();
	});
});

describe("blacklist", () => {
	it("blocks both ways in effect, hides the friendship until unblocked and keeps the conversation copy equal", async () => {
		const [a, b, other] = await Promise.all([registerUser(), registerUser(), registerUser()]);
		await makeFriends(a, b);
		const a2 = await loginDevice(a, "a-tablet");
		const [sa, sa2, sb, so] = await Promise.all([
			connect(a.token),
			connect(a2.token),
			connect(b.token),
			connect(other.token),
		]);
		const before = nowSec() - 1;
		await ok("POST", "/friends/blacklist", { token: a.token, body: { userId: b.userId } });
		const [f] = await sa2.waitForNotification("friend.blacklist_changed");
		expect(f!.payload.data).toEqual({ targetUserId: b.userId, action: "add", changedAt: expect.any(Number) });
		await noneGot("friend.blacklist_changed", sa, sb, so);
		expect(await privateCode(a, b)).toBe("30114");

		const bl = await ok("GET", "/friends/blacklist", { token: a.token });
		expect(bl).toEqual({
			list: [
				{
					userId: a.userId,
					blockedUserId: b.userId,
					createdAt: expect.any(Number),
					blockedUserInfo: { userId: b.userId, nickname: b.nickname, avatar: "" },
				},
			],
			total: 1,
			page: 1,
			pageSize: 20,
		});
		expect((await ok("GET", "/friends/blacklist", { token: b.token })).total).toBe(0);

		// Hidden from both lists; reported as deleted incrementally; flags truthful.
		expect((await friendIds(a)).total).toBe(0);
		expect((await friendIds(b)).total).toBe(0);
		expect((await friendIds(b, `?lastUpdateTime=${before}`)).list).toEqual([
			expect.objectContaining({ userId: a.userId, isDeleted: true }),
		]);
		expect(await ok("GET", `/users/${b.userId}`, { token: a.token })).toMatchObject({
			isFriend: false,
			isBlocked: true,
		});
		expect(await ok("GET", `/users/${a.userId}`, { token: b.token })).toMatchObject({
			isFriend: false,
			isBlocked: false,
		});

		// No requests either way.
		await fails("POST", "/friends/requests", 403, 30114, {
			token: a.token,
			body: { userId: b.userId, source: "search" },
		});
		await fails("POST", "/friends/requests", 403, 30114, {
			token: b.token,
			body: { userId: a.userId, source: "search" },
		});
		await fails("POST", "/friends/blacklist", 409, 30112, { token: a.token, body: { userId: b.userId } });
		await fails("POST", "/friends/blacklist", 400, 30106, { token: a.token, body: { userId: a.userId } });
		await fails("POST", "/friends/blacklist", 400, 400, { token: a.token, body: {} });

		await ok("DELETE", `/friends/blacklist/${b.userId}`, { token: a.token });
		const frames = await sa2.waitForNotification("friend.blacklist_changed", 2);
		expect(frames[1]!.payload.data).toMatchObject({ targetUserId: b.userId, action: "remove" });
		await noneGot("friend.blacklist_changed", sa, sb, so);
		expect(await privateCode(a, b)).toBe("0");
		expect((await friendIds(a)).list.map((x: any) => x.userId)).toEqual([b.userId]);
		expect(await ok("GET", `/users/${b.userId}`, { token: a.token })).toMatchObject({
			isFriend: true,
			isBlocked: false,
		});
		await fails("DELETE", `/friends/blacklist/${b.userId}`, 404, 30113, { token: a.token });
		for (const s of [sa, sa2, sb, so]) s.close();
	});

	it("refuses a pending request's acceptance after a block", async () => {
		const [a, b] = await Promise.all([registerUser(), registerUser()]);
		const { requestId } = await ok("POST", "/friends/requests", {
			token: a.token,
			body: { userId: b.userId, source: "search" },
		});
		await ok("POST", "/friends/blacklist", { token: b.token, body: { userId: a.userId } });
		await fails("PUT", `/friends/requests/${requestId}`, 403, 30114, { token: b.token, body: { action: "accept" } });
		await ok("PUT", `/friends/requests/${requestId}`, { token: b.token, body: { action: "reject" } });
		expect(await privateCode(a, b)).toBe("30114");
	});

	it("blocks a stranger and answers unknown users", async () => {
		const [a, b] = await Promise.all([registerUser(), registerUser()]);
		await ok("POST", "/friends/blacklist", { token: a.token, body: { userId: b.userId } });
		expect(await privateCode(a, b)).toBe("30114");
		await fails("POST", "/friends/blacklist", 404, 20103, {
			token: a.token,
			body: { userId: "00000000-0000-4000-8000-000000000000" },
		});
		const res = await call("GET", "/friends/blacklist", { token: a.token });
		expect(res.body.data.list).toHaveLength(1);
	});
});

describe("static paths next to /friends/:id", () => {
	it("a method a static path does not serve is a 405 naming what is missing, never a friend lookup", async () => {
		const [a, b] = [await registerUser(), await registerUser()];
		await makeFriends(a, b);
		await ok("POST", "/friends/blacklist", { token: a.token, body: { userId: b.userId } });

		const noId = await fails("DELETE", "/friends/blacklist", 405, 405, { token: a.token });
		expect(noId.body.message).toBe(
			"DELETE /api/v1/friends/blacklist is missing the blocked user's ID: use DELETE /api/v1/friends/blacklist/{id}",
		);
		expect(noId.headers.get("Allow")).toBe("GET, POST");
		const requests = await fails("DELETE", "/friends/requests", 405, 405, { token: a.token });
		expect(requests.body.message).toBe("DELETE is not allowed on /api/v1/friends/requests; allowed: GET, POST");
		const handle = await fails("PUT", "/friends/requests", 405, 405, { token: a.token, body: { action: "accept" } });
		expect(handle.body.message).toContain("missing the friend request ID");
		const friend = await fails("DELETE", "/friends", 405, 405, { token: a.token });
		expect(friend.body.message).toContain("missing the friend's user ID: use DELETE /api/v1/friends/{id}");
		expect(friend.headers.get("Allow")).toBe("GET");
		// Not "set the remark of friend 'blacklist'" (404 30117).
		const put = await fails("PUT", `/friends/blacklist/${b.userId}`, 405, 405, { token: a.token, body: {} });
		expect(put.headers.get("Allow")).toBe("DELETE");

		// Nothing was touched, and the static GET routes are still reached (not `/:id`).
		expect((await ok("GET", "/friends/blacklist", { token: a.token })).total).toBe(1);
		expect((await ok("GET", "/friends/requests?type=sent", { token: a.token })).total).toBe(1);
		await ok("DELETE", `/friends/blacklist/${b.userId}`, { token: a.token });
		expect((await ok("GET", "/friends", { token: a.token })).list.map((f: any) => f.userId)).toEqual([b.userId]);
	});
});
