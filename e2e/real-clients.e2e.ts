/**
 * What a real AnyChat client (the C++ SDK) and scripts written against the reference backend do,
 * against the system as `npm start` serves it: localIds from a per-process counter that starts
 * again at every launch, two sockets per login about 1 s apart with the same token, the same test
 * nickname registered on every run, and the admin API at its documented base path.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { privateConversationId } from "../contracts/ids";
import { envelopeApi, unique } from "./envelope-api";
import { type DevServer, startDevServer } from "./server";

let server: DevServer;

beforeAll(async () => {
	server = await startDevServer();
});
afterAll(async () => {
	await server?.stop();
});

const api = envelopeApi(() => server.url);

/** Registers with the same nickname every run, as the reference backend's scripts do. */
async function register(nickname: string) {
	const id = unique();
	const r = await api("POST", "/auth/register", {
		email: `${id}@example.com`,
		password: "secret123",
		verifyCode: "0",
		nickname,
		deviceType: "PC",
		deviceId: `sdk-${id}`,
		clientVersion: "anychat-sdk-e2e",
	});
	expect(r, r.message).toMatchObject({ code: 0 });
	return { userId: r.data.userId as string, token: r.data.accessToken as string };
}

/** One socket with its received frames and its close, if any. */
function open(token: string) {
	const ws = new WebSocket(`${server.url.replace("http", "ws")}/api/v1/ws?token=${token}`);
	const frames: any[] = [];
	ws.on("message", (m) => frames.push(JSON.parse(String(m))));
	const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
	const opened = new Promise<void>((resolve, reject) => {
		ws.once("open", () => resolve());
		ws.once("error", reject);
	});
	return { ws, frames, closed, opened };
}

type Sock = ReturnType<typeof open>;

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
	const until = Date.now() + timeoutMs;
	for (;;) {
		const v = probe();
		if (v !== undefined) return v;
		if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 20));
	}
}

/**
 * An SDK launch: its login opens a socket and, about a second later, a second one with the same
 * token, which replaces the first (close 4001); the client goes on with the second.
 */
async function launch(token: string): Promise<Sock> {
	const first = open(token);
	await first.opened;
	await new Promise((r) => setTimeout(r, 1000));
	const second = open(token);
	await second.opened;
	const code = await Promise.race([first.closed, new Promise((r) => setTimeout(() => r("no close in 1 s"), 1000))]);
	expect(code).toBe(4001);
	return second;
}

/** `message.send` with the SDK's counter localId; the ack (or error) for it. */
async function send(s: Sock, conversationId: string, content: string, localId: string) {
	const before = s.frames.length;
	s.ws.send(
		JSON.stringify({
			type: "message.send",
			payload: { conversationId, conversationType: "private", contentType: "text", content, localId },
		}),
	);
	return waitFor(`ack of ${localId}`, () =>
		s.frames
			.slice(before)
			.find((f) => (f.type === "message.sent" || f.type === "message.error") && f.payload.localId === localId),
	);
}

const contentsIn = (s: Sock, conversationId: string) =>
	s.frames
		.filter(
			(f) =>
				f.type === "notification" &&
				f.payload.notificationType === "message.new" &&
				f.payload.data.conversationId === conversationId,
		)
		.map((f) => f.payload.data.content as string);

describe("real clients against npm start", () => {
	it("an SDK restart reuses local_1 for a new message: both are stored and the peer receives both", async () => {
		// The same nickname for both, and again on the next run: registration does not refuse it.
		const alice = await register("sdk tester with a long nickname");
		const bob = await register("sdk tester with a long nickname");
		const req = await api("POST", "/friends/requests", { userId: bob.userId, source: "search" }, alice.token);
		expect(req.code, req.message).toBe(0);
		if (!req.data.autoAccepted) {
			const handled = await api("PUT", `/friends/requests/${req.data.requestId}`, { action: "accept" }, bob.token);
			expect(handled.code, handled.message).toBe(0);
		}
		const conv = privateConversationId(alice.userId, bob.userId);
		const peer = await launch(bob.token);

		const run1 = await launch(alice.token);
		const hello = await send(run1, conv, "hello", "local_1");
		expect(hello).toMatchObject({ type: "message.sent", payload: { sequence: 1, localId: "local_1" } });
		run1.ws.close();
		await run1.closed;

		// The app quits and starts again: new sockets, the counter back at local_1, another text.
		const run2 = await launch(alice.token);
		const friend = await send(run2, conv, "hello friend", "local_1");
		expect(friend).toMatchObject({ type: "message.sent", payload: { sequence: 2, localId: "local_1" } });
		expect(friend.payload.messageId).not.toBe(hello.payload.messageId);
		// A real retry of that send (the same frame again) is still answered with its ack.
		expect(await send(run2, conv, "hello friend", "local_1")).toEqual(friend);

		await waitFor("both messages at the peer", () => (contentsIn(peer, conv).length >= 2 ? true : undefined));
		expect(contentsIn(peer, conv)).toEqual(["hello", "hello friend"]);
		const history = await api("GET", `/sessions/${conv}/messages`, undefined, bob.token);
		expect(history.data.list.map((m: any) => `${m.sequence}:${m.content}`)).toEqual(["2:hello friend", "1:hello"]);
		for (const s of [peer, run2]) s.ws.close();
	});

	it("serves the admin API at /api/admin as well as /api/v1/admin", async () => {
		const creds = { username: "admin", password: "Admin@123456" };
		const spec = await api("POST", "/auth/login", creds, undefined, "/api/admin");
		expect(spec, spec.message).toMatchObject({ code: 0 });
		const token = spec.data.token;
		expect(typeof token).toBe("string");
		for (const base of ["/api/admin", "/api/v1/admin"]) {
			const overview = await api("GET", "/stats/overview", undefined, token, base);
			expect(overview, `${base}: ${overview.message}`).toMatchObject({ code: 0 });
		}
		const missing = await api("GET", "/no-such-route", undefined, token, "/api/admin");
		expect(missing).toMatchObject({ code: 404, data: null });
	});
});
