import { env, evictDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { config } from "../domain/config";
import { hubFor } from "../platform/stubs";
import { enforceRateLimit } from "../workers/services/rate-limits";
import { BASE, call, fails, ok } from "./fixtures/api";
import { localId, text } from "./fixtures/chat";
import { makeFriends } from "./fixtures/social";
import { registerUser, type TestUser } from "./fixtures/users";
import { connect, roundTrip } from "./fixtures/ws";

// Runs in the "limits" vitest project (vitest.config.ts): messages burst 3, friend requests and
// group creation burst 2, connects burst 3, all refilling at 1 token per 1000 s; upload tokens
// burst 2 refilling at 2/s.

const limits = () => config(env).rateLimits;

/** A 429 envelope with a Retry-After of whole seconds; returns those seconds. */
function expectRateLimited(res: { status: number; headers: Headers; body: { code: number; data: unknown } }) {
	expect({ status: res.status, code: res.body.code, data: res.body.data }).toEqual({
		status: 429,
		code: 429,
		data: null,
	});
	const retryAfter = Number(res.headers.get("Retry-After"));
	expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
	return retryAfter;
}

const sendHttp = (u: TestUser, conversationId: string, content = text("hi")) =>
	call("POST", "/messages", {
		token: u.token,
		body: { conversationId, conversationType: "private", contentType: "text", content, localId: localId() },
	});

const newGroup = (u: TestUser, member: TestUser) =>
	call("POST", "/groups", { token: u.token, body: { name: "g", memberIds: [member.userId] } });

const uploadToken = (u: TestUser) =>
	call("POST", "/files/upload-token", {
		token: u.token,
		body: { fileName: "a.jpg", fileType: "image", fileSize: 10, mimeType: "image/jpeg" },
	});

describe("per-user limits", () => {
	it("runs with the small test limits of the limits project", () => {
		expect(limits().message).toEqual({ burst: 3, perSec: 0.001 });
		expect(limits().uploadToken).toEqual({ burst: 2, perSec: 2 });
	});

	it("answers message.send over the burst with message.error 429 and a retryAfter hint; nothing refused is stored", async () => {
		const [alice, bob] = await Promise.all([registerUser(), registerUser()]);
		const convId = await makeFriends(alice, bob);
		const s = await connect(alice.token);
		const ids = Array.from({ length: 6 }, (_, i) => `burst-${i}`);
		for (const id of ids)
			s.send({
				type: "message.send",
				payload: {
					conversationId: convId,
					conversationType: "private",
					contentType: "text",
					content: text(id),
					localId: id,
				},
			});
		const answers = await s.waitForMessages((f) => f.type === "message.sent" || f.type === "message.error", 6);
		const byId = new Map(answers.map((f) => [f.payload.localId, f]));
		// The bucket starts full: the first three pass, in order; the rest are refused.
		expect(ids.map((id) => byId.get(id)?.type)).toEqual([
			"message.sent",
			"message.sent",
			"message.sent",
			"message.error",
			"message.error",
			"message.error",
		]);
		expect(ids.slice(0, 3).map((id) => byId.get(id)!.payload.sequence)).toEqual([1, 2, 3]);
		for (const id of ids.slice(3)) {
			const p = byId.get(id)!.payload;
			expect(p).toMatchObject({ code: 429, localId: id });
			expect(p.message).toMatch(/too many messages/);
			// Seconds until a token is back: about 1000 at this project's refill rate.
			expect(Number.isInteger(p.retryAfter) && p.retryAfter > 900 && p.retryAfter <= 1000).toBe(true);
			expect(p.retryAfterMs).toBeGreaterThan(900_000);
			expect(p.retryAfterMs).toBeLessThanOrEqual(p.retryAfter * 1000);
		}
		// The socket stays open and serves other frames.
		await roundTrip(s);
		const history = await ok("GET", `/sessions/${convId}/messages`, { token: bob.token });
		expect(history.list).toHaveLength(3);
		s.close();
	});

	it("shares one message bucket between POST /messages and message.send, per user", async () => {
		const [alice, bob] = await Promise.all([registerUser(), registerUser()]);
		const convId = await makeFriends(alice, bob);
		for (let i = 0; i < 3; i++) expect((await sendHttp(alice, convId)).status).toBe(200);
		const refused = await sendHttp(alice, convId);
		expect(expectRateLimited(refused)).toBeGreaterThan(900);
		expect(refused.body.message).toMatch(/too many messages/);
		// The socket path finds the same empty bucket.
		const s = await connect(alice.token);
		s.send({
			type: "message.send",
			payload: {
				conversationId: convId,
				conversationType: "private",
				contentType: "text",
				content: text("x"),
				localId: "ws-1",
			},
		});
		const [err] = await s.waitForMessages((f) => f.type === "message.error");
		expect(err!.payload).toMatchObject({ code: 429, localId: "ws-1" });
		// Bob's bucket is his own.
		expect((await sendHttp(bob, convId)).status).toBe(200);
		s.close();
	});

	it("limits friend requests per user with 429 and Retry-After", async () => {
		const [alice, ...others] = await Promise.all(Array.from({ length: 5 }, () => registerUser()));
		for (const target of others.slice(0, 2))
			await ok("POST", "/friends/requests", {
				token: alice.token,
				body: { userId: target.userId, message: "hi", source: "search" },
			});
		const res = await call("POST", "/friends/requests", {
			token: alice.token,
			body: { userId: others[2]!.userId, message: "hi", source: "search" },
		});
		expectRateLimited(res);
		expect(res.body.message).toMatch(/too many friend requests/);
		// The refused request left nothing behind: the target has no request from Alice.
		const incoming = await ok("GET", "/friends/requests", { token: others[2]!.token });
		expect(incoming.total).toBe(0);
		// Another user is not affected.
		await ok("POST", "/friends/requests", {
			token: others[3]!.token,
			body: { userId: others[2]!.userId, message: "hi", source: "search" },
		});
	});

	it("limits group creation, and the spent bucket survives the hub's eviction", async () => {
		const [alice, bob] = await Promise.all([registerUser(), registerUser()]);
		for (let i = 0; i < 2; i++) expect((await newGroup(alice, bob)).status).toBe(200);
		const res = await newGroup(alice, bob);
		expectRateLimited(res);
		expect(res.body.message).toMatch(/too many groups/);
		await evictDurableObject(hubFor(env, alice.userId));
		expectRateLimited(await newGroup(alice, bob));
		const mine = await ok("GET", "/groups", { token: alice.token });
		expect(mine.total).toBe(2);
		expect((await newGroup(bob, alice)).status).toBe(200);
	});

	it("limits upload tokens and serves again once Retry-After has passed", async () => {
		const alice = await registerUser();
		expect((await uploadToken(alice)).status).toBe(200);
		expect((await uploadToken(alice)).status).toBe(200);
		// Refilling at 2/s, eight requests at once cannot all be served (that would take 4 s).
		const batch = await Promise.all(Array.from({ length: 8 }, () => uploadToken(alice)));
		const refused = batch.find((r) => r.status !== 200);
		expect(refused).toBeDefined();
		const retryAfter = expectRateLimited(refused!);
		expect(retryAfter).toBe(1);
		expect(refused!.body.message).toMatch(/too many uploads/);
		await new Promise((r) => setTimeout(r, retryAfter * 1000));
		expect((await uploadToken(alice)).status).toBe(200);
	});

	it("refuses a reconnect storm with a 429 envelope before the upgrade, keeping the live socket", async () => {
		const [alice, bob] = await Promise.all([registerUser(), registerUser()]);
		const sockets = [];
		for (let i = 0; i < 3; i++) sockets.push(await connect(alice.token));
		const res = await SELF.fetch(`${BASE}/api/v1/ws?token=${encodeURIComponent(alice.token)}`, {
			headers: { Upgrade: "websocket" },
		});
		expect(res.webSocket).toBeNull();
		const body = (await res.json()) as { code: number; data: unknown; message: string };
		expectRateLimited({ status: res.status, headers: res.headers, body });
		expect(body.message).toMatch(/too many connection attempts/);
		expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
		// The refused attempt did not replace the device's socket: the last one still works.
		expect(sockets[2]!.closed).toBeNull();
		await roundTrip(sockets[2]!);
		expect(sockets[0]!.closed?.code).toBe(4001);
		// Other users connect as usual.
		const other = await connect(bob.token);
		await roundTrip(other);
		for (const s of [...sockets, other]) s.close();
	});

	it("a limit set to 0 is switched off: no hub call, no refusal", async () => {
		const [alice, bob] = await Promise.all([registerUser(), registerUser()]);
		for (let i = 0; i < 2; i++) expect((await newGroup(alice, bob)).status).toBe(200);
		await fails("POST", "/groups", 429, 429, { token: alice.token, body: { name: "g", memberIds: [bob.userId] } });
		const off = { ...env, RATE_GROUP_CREATE_BURST: "0" };
		for (let i = 0; i < 5; i++) await enforceRateLimit(off, alice.userId, "groupCreate");
		await expect(enforceRateLimit(env, alice.userId, "groupCreate")).rejects.toMatchObject({ status: 429 });
	});
});
