// Request IDs, the one JSON log line per request and the Analytics Engine datapoints (README,
// "Operate"), driven through real HTTP and WebSocket requests into the Worker. METRICS is a
// recording stand-in in this project (vitest.config.ts, test/fixtures/metrics-recorder.js).
import { env, runInDurableObject, SELF } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BASE, call, ok } from "./fixtures/api";
import { chatUser, closeAll, say, text } from "./fixtures/chat";
import { makeFriends } from "./fixtures/social";
import { registerUser } from "./fixtures/users";
import { connect } from "./fixtures/ws";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Point = { indexes: string[]; blobs: string[]; doubles: number[] };
const recorder = () => env.METRICS as unknown as { points(): Promise<Point[]> };

/** Every JSON line the Worker wrote with console.log while `run` ran. */
async function logged(run: () => Promise<unknown>): Promise<Record<string, any>[]> {
	const spy = vi.spyOn(console, "log");
	try {
		await run();
		return spy.mock.calls.flatMap(([first]) => {
			try {
				const parsed = JSON.parse(String(first));
				return parsed && typeof parsed === "object" ? [parsed] : [];
			} catch {
				return [];
			}
		});
	} finally {
		spy.mockRestore();
	}
}

/** Polls the recorder until `find` returns something, or fails after `timeoutMs`. */
async function pointsMatching(find: (all: Point[]) => Point[], what: string, timeoutMs = 5000): Promise<Point[]> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const found = find(await recorder().points());
		if (found.length) return found;
		if (Date.now() > deadline) throw new Error(`no datapoint: ${what}`);
		await new Promise((r) => setTimeout(r, 25));
	}
}

afterEach(() => vi.restoreAllMocks());

describe("X-Request-Id", () => {
	it("is on every response: a new UUID, or the client's own when it looks like an ID", async () => {
		const fresh = await SELF.fetch(`${BASE}/health`);
		expect(fresh.headers.get("X-Request-Id")).toMatch(UUID);
		const again = await SELF.fetch(`${BASE}/health`);
		expect(again.headers.get("X-Request-Id")).not.toBe(fresh.headers.get("X-Request-Id"));

		const mine = `trace-${crypto.randomUUID()}`;
		const kept = await SELF.fetch(`${BASE}/health`, { headers: { "X-Request-Id": mine } });
		expect(kept.headers.get("X-Request-Id")).toBe(mine);

		for (const bad of ["short", "has space in it", "x".repeat(129), "<script>alert(1)</script>"]) {
			const res = await SELF.fetch(`${BASE}/health`, { headers: { "X-Request-Id": bad } });
			expect(res.headers.get("X-Request-Id"), bad).toMatch(UUID);
		}
	});

	it("is on refusals, errors, preflights and the WebSocket refusal too", async () => {
		const responses = [
			await SELF.fetch(`${BASE}/api/v1/nowhere`),
			await SELF.fetch(`${BASE}/health`, { method: "DELETE" }),
			await SELF.fetch(`${BASE}/api/v1/users/me`),
			await SELF.fetch(`${BASE}/api/v1/auth/login`, {
				method: "OPTIONS",
				headers: { Origin: "https://a.example", "Access-Control-Request-Method": "POST" },
			}),
			await SELF.fetch(`${BASE}/api/v1/ws?token=not-a-token`, { headers: { Upgrade: "websocket" } }),
			await SELF.fetch(`${BASE}/api/v1/auth/login`, {
				method: "POST",
				body: "{",
				headers: { "Content-Type": "application/json" },
			}),
		];
		expect(responses.map((r) => r.status)).toEqual([404, 405, 401, 204, 401, 400]);
		for (const r of responses) expect(r.headers.get("X-Request-Id")).toMatch(UUID);
	});
});

describe("request log", () => {
	it("writes one JSON line per request: ID, method, route pattern, status, duration, user", async () => {
		const u = await registerUser();
		const id = `obs-${crypto.randomUUID()}`;
		const lines = await logged(() =>
			SELF.fetch(`${BASE}/api/v1/users/${u.userId}`, {
				headers: { Authorization: `Bearer ${u.token}`, "X-Request-Id": id },
			}),
		);
		const mine = lines.filter((l) => l.requestId === id);
		expect(mine).toHaveLength(1);
		expect(mine[0]).toEqual({
			requestId: id,
			method: "GET",
			route: "/api/v1/users/:userId",
			status: 200,
			durationMs: expect.any(Number),
			userId: u.userId,
		});
		// The pattern, never the raw path: no ID, query or token of the request in the line.
		expect(JSON.stringify(mine[0])).not.toContain(u.token);
	});

	it("names the error code of an error response, and the route the refused request was for", async () => {
		const id = `obs-${crypto.randomUUID()}`;
		const lines = await logged(() =>
			SELF.fetch(`${BASE}/api/v1/users/me`, { headers: { Authorization: "Bearer forged", "X-Request-Id": id } }),
		);
		expect(lines.filter((l) => l.requestId === id)).toEqual([
			{
				requestId: id,
				method: "GET",
				route: "/api/v1/users/me",
				status: 401,
				durationMs: expect.any(Number),
				errorCode: 10109,
			},
		]);

		const missing = `obs-${crypto.randomUUID()}`;
		const notFound = await logged(() =>
			SELF.fetch(`${BASE}/api/v1/no/such/${crypto.randomUUID()}`, { headers: { "X-Request-Id": missing } }),
		);
		expect(notFound.filter((l) => l.requestId === missing)).toEqual([
			expect.objectContaining({ route: "(unmatched)", status: 404, errorCode: 404 }),
		]);

		const invalid = `obs-${crypto.randomUUID()}`;
		const bad = await logged(() =>
			call("POST", "/auth/login", { body: { email: 12 }, headers: { "X-Request-Id": invalid } }),
		);
		expect(bad.filter((l) => l.requestId === invalid)).toEqual([
			expect.objectContaining({ route: "/api/v1/auth/login", status: 400, errorCode: 400 }),
		]);
	});

	it("logs no password, token or message text", async () => {
		const password = `Pw${crypto.randomUUID().slice(0, 13)}9`;
		const words = `secret words ${crypto.randomUUID()}`;
		const lines: string[] = [];
		const capture = (...args: unknown[]) => lines.push(args.map(String).join(" "));
		for (const method of ["log", "error", "warn", "info", "debug"] as const)
			vi.spyOn(console, method).mockImplementation(capture);
		const email = `obs-${crypto.randomUUID()}@example.com`;
		const reg = await ok("POST", "/auth/register", {
			body: { email, password, verifyCode: "000000", deviceType: "Web", deviceId: "obs", clientVersion: "1" },
		});
		const peer = await registerUser();
		await makeFriends({ userId: reg.userId, token: reg.accessToken }, peer);
		await ok("POST", "/messages", {
			token: reg.accessToken,
			body: { conversationId: peer.userId, conversationType: "private", contentType: "text", content: text(words) },
		});
		vi.restoreAllMocks();
		expect(lines.length).toBeGreaterThan(0);
		for (const secret of [password, reg.accessToken, reg.refreshToken, words])
			for (const l of lines) expect(l).not.toContain(secret);
	});
});

describe("metrics", () => {
	it("writes a request datapoint per request: route, method, status, duration", async () => {
		const u = await registerUser();
		await call("GET", `/users/${u.userId}`, { token: u.token });
		await call("GET", "/users/me", { token: "forged" });
		const points = await pointsMatching(
			(all) => all.filter((p) => p.blobs[0] === "request" && p.blobs[1] === "/api/v1/users/:userId"),
			"GET /api/v1/users/:userId",
		);
		expect(points.at(-1)).toEqual({
			indexes: ["/api/v1/users/:userId"],
			blobs: ["request", "/api/v1/users/:userId", "GET"],
			doubles: [200, expect.any(Number)],
		});
		const refused = await pointsMatching(
			(all) => all.filter((p) => p.blobs[1] === "/api/v1/users/me" && p.doubles[0] === 401),
			"401 on /api/v1/users/me",
		);
		expect(refused.at(-1)!.doubles[1]).toBeGreaterThanOrEqual(0);
	});

	it("writes a message datapoint per stored message, over HTTP and the WebSocket", async () => {
		const [a, b] = await Promise.all([chatUser(), chatUser()]);
		const conversationId = await makeFriends(a, b);
		const before = (await recorder().points()).filter((p) => p.blobs[0] === "message").length;
		const ack = await say(a.a, b.userId, text("over the socket"));
		expect(ack.type).toBe("message.sent");
		await ok("POST", "/messages", {
			token: b.token,
			body: { conversationId, conversationType: "private", contentType: "text", content: text("over HTTP") },
		});
		const points = await pointsMatching((all) => {
			const mine = all.filter((p) => p.blobs[0] === "message").slice(before);
			return mine.length >= 2 ? mine : [];
		}, "two message datapoints");
		for (const p of points.slice(0, 2)) {
			expect(p).toEqual({ indexes: ["private"], blobs: ["message", "private"], doubles: [1, expect.any(Number)] });
			expect(p.doubles[1]).toBeGreaterThanOrEqual(0);
		}
		closeAll(a, b);
	});
});

describe("object error lines", () => {
	it("carry the id of the request behind them: a send its Conversation cannot store logs the socket's request id", async () => {
		const [a, b] = await Promise.all([registerUser(), registerUser()]);
		const ab = await makeFriends(a, b);
		const requestId = `socket-${crypto.randomUUID()}`;
		const sock = await connect(a.token, { headers: { "X-Request-Id": requestId } });
		// A fault inside the object: its next commit finds no messages table.
		await runInDurableObject(env.CONVERSATION.getByName(`conv:${ab}`), (_o, state) => {
			state.storage.sql.exec("DROP TABLE messages");
		});
		const spy = vi.spyOn(console, "error");
		const secretText = `never-logged-${crypto.randomUUID()}`;
		sock.send({
			type: "message.send",
			payload: {
				conversationId: ab,
				conversationType: "private",
				contentType: "text",
				content: text(secretText),
				localId: "l-1",
			},
		});
		const [refused] = await sock.waitForMessages((f) => f.type === "message.error", 1);
		expect(refused!.payload).toMatchObject({ code: 500, localId: "l-1" });
		const lines = spy.mock.calls.map((args) => args.map(String).join(" "));
		const line = lines
			.flatMap((l) => {
				try {
					return [JSON.parse(l) as Record<string, unknown>];
				} catch {
					return [];
				}
			})
			.find((l) => l.event === "message.send failed");
		expect(line).toMatchObject({ level: "error", requestId, error: expect.stringContaining("no such table") });
		expect(lines.join("\n")).not.toContain(secretText);
		sock.close();
	});
});
