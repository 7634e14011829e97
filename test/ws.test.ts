import { env, evictDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { IDENTITY_HEADER } from "../domain/identity";
import { BASE, ok } from "./fixtures/api";
import { claimsOf, expiredCopy } from "./fixtures/tokens";
import { loginDevice, registerUser } from "./fixtures/users";
import { connect, roundTrip, TestSocket } from "./fixtures/ws";

let seq = 0;
const tag = () => `${Date.now().toString(36)}${(seq++).toString(36)}`;

/** An upgrade attempt that must be refused: HTTP 401 with the envelope, no socket. */
async function refused(query: string, expectedCode = 401) {
	const res = await SELF.fetch(`${BASE}/api/v1/ws${query}`, { headers: { Upgrade: "websocket" } });
	expect(res.webSocket).toBeFalsy();
	expect(res.status).toBe(401);
	expect(res.headers.get("Content-Type")).toMatch(/application\/json/);
	const body = (await res.json()) as { code: number; message: string; data: unknown };
	expect(body).toEqual({ code: expectedCode, message: expect.any(String), data: null });
	expect(body.message.length).toBeGreaterThan(0);
	return body;
}

const errorFrames = (s: TestSocket) => s.frames.filter((f) => f.type === "error");

/** Sends something malformed; expects exactly one new `error` frame with `code` and a socket that still answers. */
async function expectErrorFrame(s: TestSocket, send: () => void, code: number, message: RegExp) {
	const before = errorFrames(s).length;
	send();
	const frames = await s.waitForMessages((f) => f.type === "error", before + 1);
	const frame = frames[before]!;
	expect(frame.payload).toEqual({ code, message: expect.stringMatching(message) });
	await roundTrip(s);
	expect(s.closed).toBeNull();
}

describe("live channel: refusals", () => {
	it("refuses a missing, invalid, expired or refresh token with a 401 envelope", async () => {
		const u = await registerUser();
		await refused("");
		await refused("?token=");
		await refused("?token=not-a-jwt", 10109);
		await refused(`?token=${encodeURIComponent(u.refreshToken)}`, 10109);
		await refused(`?token=${encodeURIComponent(await expiredCopy(u.token))}`, 10110);
	});

	it("refuses the token of an ended session and of a disabled account", async () => {
		const u = await registerUser();
		await ok("POST", "/auth/logout", { token: u.token, body: { deviceId: u.deviceId } });
		await refused(`?token=${encodeURIComponent(u.token)}`, 10109);

		const banned = await registerUser();
		await env.DB.prepare("UPDATE users SET status = 2 WHERE id = ?").bind(banned.userId).run();
		await refused(`?token=${encodeURIComponent(banned.token)}`, 10106);
	});

	it("answers a plain GET (no upgrade) with a 400 envelope", async () => {
		const u = await registerUser();
		const res = await SELF.fetch(`${BASE}/api/v1/ws?token=${encodeURIComponent(u.token)}`);
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({ code: 400, message: expect.stringMatching(/WebSocket/), data: null });
	});
});

describe("live channel: frames", () => {
	it("echoes the anychat subprotocol only when offered", async () => {
		const u = await registerUser();
		const offered = await connect(u.token, { protocols: ["chat", "anychat"] });
		expect(offered.protocol).toBe("anychat");
		offered.close();
		const plain = await connect(u.token);
		expect(plain.protocol).toBeNull();
		plain.close();
		const other = await connect(u.token, { protocols: ["chat"] });
		expect(other.protocol).toBeNull();
		other.close();
	});

	it("answers ping with pong (payload null)", async () => {
		const u = await registerUser();
		const s = await connect(u.token);
		s.send({ type: "ping" });
		const [pong] = await s.waitForMessages((f) => f.type === "pong");
		expect(pong).toEqual({ type: "pong", payload: null });
		s.send({ type: "ping", payload: null });
		await s.waitForMessages((f) => f.type === "pong", 2);
		s.close();
	});

	it("answers malformed, unknown, binary and oversized frames with an error frame and keeps the socket", async () => {
		const u = await registerUser();
		const s = await connect(u.token);
		await expectErrorFrame(s, () => s.send("{not json"), 400, /JSON/);
		await expectErrorFrame(s, () => s.send("null"), 400, /type/);
		await expectErrorFrame(s, () => s.send("[1,2]"), 400, /type/);
		await expectErrorFrame(s, () => s.send('"ping"'), 400, /type/);
		await expectErrorFrame(s, () => s.send({ type: 42 }), 400, /type/);
		await expectErrorFrame(s, () => s.send({ payload: {} }), 400, /type/);
		await expectErrorFrame(s, () => s.send({ type: "no.such.frame" }), 400, /unknown frame type/);
		await expectErrorFrame(s, () => s.send({ type: "constructor" }), 400, /unknown frame type/);
		await expectErrorFrame(s, () => s.send({ type: "__proto__" }), 400, /unknown frame type/);
		await expectErrorFrame(s, () => s.ws.send(new Uint8Array([1, 2, 3])), 400, /binary/);
		await expectErrorFrame(s, () => s.send({ type: "ping", payload: "x".repeat(70 * 1024) }), 413, /larger/);
		// Multi-byte text counts in bytes: 30k three-byte characters is ~90 KiB.
		await expectErrorFrame(s, () => s.send({ type: "ping", payload: "界".repeat(30 * 1024) }), 413, /larger/);
		await expectErrorFrame(s, () => s.ws.send(new Uint8Array(70 * 1024)), 413, /larger/);
		s.close();
	});
});

describe("live channel: devices", () => {
	it("a second socket for the same device replaces the first with close 4001", async () => {
		const u = await registerUser();
		const first = await connect(u.token);
		await roundTrip(first);
		const second = await connect(u.token);
		expect((await first.waitForClose()).code).toBe(4001);
		await roundTrip(second);
		expect(second.closed).toBeNull();
		second.close();
	});

	it("every device of a user receives a notification; the device that caused it does not", async () => {
		const u = await registerUser();
		const b = await loginDevice(u, `b-${tag()}`);
		const c = await loginDevice(u, `c-${tag()}`);
		const sa = await connect(u.token);
		const sb = await connect(b.token);
		const sc = await connect(c.token);
		await ok("PUT", "/users/me", { token: c.token, body: { region: "Lyon" } });
		for (const s of [sa, sb]) {
			const [n] = await s.waitForNotification("user.profile_updated");
			expect(n!.payload.data).toMatchObject({ userId: u.userId, region: "Lyon" });
		}
		await roundTrip(sc);
		expect(sc.notifications("user.profile_updated")).toHaveLength(0);
		// Another user's sockets hear nothing.
		const stranger = await registerUser();
		const ss = await connect(stranger.token);
		await ok("PUT", "/users/me", { token: c.token, body: { region: "Nice" } });
		await sa.waitForNotification("user.profile_updated", 2);
		await roundTrip(ss);
		expect(ss.frames.filter((f) => f.type === "notification")).toHaveLength(0);
		for (const s of [sa, sb, sc, ss]) s.close();
	});

	it("keeps sockets, their identity and delivery across hibernation", async () => {
		const u = await registerUser();
		const b = await loginDevice(u, `b-${tag()}`);
		const sa = await connect(u.token);
		const sb = await connect(b.token);
		await roundTrip(sa);
		await evictDurableObject(env.USER_HUB.getByName(`user:${u.userId}`));
		await roundTrip(sb);
		await ok("PUT", "/users/me", { token: u.token, body: { signature: "after eviction" } });
		await sb.waitForNotification("user.profile_updated");
		await roundTrip(sa);
		expect(sa.notifications("user.profile_updated")).toHaveLength(0);
		await ok("POST", "/auth/logout", { token: u.token, body: { deviceId: b.deviceId } });
		expect((await sb.waitForClose()).code).toBe(4003);
		expect(sa.closed).toBeNull();
		sa.close();
	});

	it("a socket that reaches the hub after its session ended is closed at once (4003)", async () => {
		const u = await registerUser();
		// The Worker's check passed; then the session ended before the hub registered the socket.
		await env.DB.prepare("UPDATE device_sessions SET revoked_at = 1 WHERE user_id = ?").bind(u.userId).run();
		const identity = { userId: u.userId, deviceId: u.deviceId, deviceType: "Web", sessionId: claimsOf(u.token).sid };
		const res = await env.USER_HUB.getByName(`user:${u.userId}`).fetch("http://hub/", {
			headers: { Upgrade: "websocket", [IDENTITY_HEADER]: JSON.stringify(identity) },
		});
		expect(res.status).toBe(101);
		res.webSocket!.accept();
		const s = new TestSocket(res.webSocket!, null);
		expect((await s.waitForClose()).code).toBe(4003);
		expect(await env.USER_HUB.getByName(`user:${u.userId}`).connectedDevices()).toEqual([]);
	});

	it("a client that closes is no longer counted as connected", async () => {
		const u = await registerUser();
		const s = await connect(u.token);
		await roundTrip(s);
		const hub = env.USER_HUB.getByName(`user:${u.userId}`);
		expect(await hub.connectedDevices()).toEqual([u.deviceId]);
		s.ws.close(1000, "bye");
		await s.waitForClose();
		// The server completes the close handshake; the device is gone once that is processed.
		for (let i = 0; i < 50 && (await hub.connectedDevices()).length > 0; i++)
			await new Promise((r) => setTimeout(r, 20));
		expect(await hub.connectedDevices()).toEqual([]);
	});
});
