import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { AnyChatClient, ApiError, memoryTokenStore } from "../client";
import { BASE } from "./fixtures/api";

/** The client library inside workerd, against the real Worker: the Workers side of "runs everywhere". */
function newClient() {
	const tokens = memoryTokenStore();
	const client = new AnyChatClient({
		baseUrl: BASE,
		tokens,
		fetch: (input, init) => SELF.fetch(input as string, init),
	});
	return { client, tokens };
}

let n = 0;
async function registered() {
	const { client, tokens } = newClient();
	const id = `cl${Date.now().toString(36)}${(n++).toString(36)}${Math.random().toString(36).slice(2, 5)}`;
	const me = await client.auth.register({
		email: `${id}@example.com`,
		password: "Passw0rd!",
		verifyCode: "000000",
		nickname: id.slice(0, 20),
		deviceType: "web",
		deviceId: `dev-${id}`,
		clientVersion: "1.0.0",
	});
	return { client, tokens, userId: me.userId, nickname: id.slice(0, 20) };
}

describe("client library in workerd", () => {
	it("registers, reads the profile and walks the friend flow with typed results", async () => {
		const a = await registered();
		const b = await registered();
		expect(await a.client.users.me()).toMatchObject({ userId: a.userId, nickname: a.nickname });
		const sent = await a.client.friends.sendRequest({ userId: b.userId, source: "search", message: "hi" });
		expect(sent.autoAccepted).toBe(false);
		const received = await b.client.friends.requests({ type: "received" });
		expect(received.list.map((r) => r.fromUserId)).toEqual([a.userId]);
		await b.client.friends.handleRequest(sent.requestId, { action: "accept" });
		const friends = await a.client.friends.list();
		expect(friends.list.map((f) => f.userInfo.nickname)).toEqual([b.nickname]);
		expect(friends).toMatchObject({ total: 1, page: 1, pageSize: 20 });
	});

	it("creates a group and lists its members", async () => {
		const a = await registered();
		const b = await registered();
		const g = await a.client.groups.create({ name: "client test", memberIds: [b.userId] });
		expect(g.myRole).toBe("owner");
		const { members } = await a.client.groups.members(g.groupId);
		expect(members.map((m) => m.role).sort()).toEqual(["member", "owner"]);
		const { groups } = await b.client.groups.list();
		expect(groups.map((x) => x.groupId)).toContain(g.groupId);
	});

	it("turns refusals into ApiError with the business code and the HTTP status", async () => {
		const a = await registered();
		const e = await a.client.friends.sendRequest({ userId: a.userId, source: "search" }).catch((x) => x);
		expect(e).toBeInstanceOf(ApiError);
		expect(e.code).toBe(30106);
		expect(e.status).toBe(400);
		expect(e.message).toMatch(/yourself/i);
	});

	it("refreshes a rejected access token with the refresh token, stores the rotated pair and retries", async () => {
		const a = await registered();
		const before = a.tokens.get()!;
		a.tokens.set({ ...before, accessToken: "not-a-valid-token" });
		expect((await a.client.users.me()).userId).toBe(a.userId);
		const after = a.tokens.get()!;
		expect(after.accessToken).not.toBe("not-a-valid-token");
		expect(after.refreshToken).not.toBe(before.refreshToken);
		// The old refresh token was used up by the rotation.
		const { client: other } = newClient();
		other.http.tokens.set({ accessToken: "x", refreshToken: before.refreshToken, expiresAt: 0 });
		expect(await other.auth.refresh()).toBe(false);
	});
});
