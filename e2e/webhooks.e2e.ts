/**
 * Server hooks against the system as `npm start` serves it, with a real receiver: a Node http
 * server on 127.0.0.1 (allowed in development) that verifies every signature the way the README's
 * receiver does (HMAC-SHA256 over `timestamp.body`, timing-safe, fresh timestamps only). It gets
 * user.registered, friend.added and message.created from the Queue, moderates messages through
 * message.before_send (reject and replace), and a flaky endpoint is retried until it answers.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { privateConversationId } from "../contracts/ids";
import { envelopeApi, unique } from "./envelope-api";
import { type DevServer, startDevServer } from "./server";

let server: DevServer;
let receiver: Server;
let receiverUrl = "";

/** Secrets by receiver path, and what arrived there (only deliveries whose signature verified). */
const secrets = new Map<string, string>();
const arrived = new Map<string, { event: string; id: string; data: any }[]>();
const refused: string[] = [];
/** How many more times /flaky answers 500 before it answers 200. */
let flakyFailures = 2;

/** The README's receiver check: signature over `timestamp.body`, timing-safe, at most 5 minutes old. */
function verified(secret: string, headers: IncomingHttpHeaders, body: string): boolean {
	const ts = String(headers["x-anychat-timestamp"]);
	const sig = Buffer.from(String(headers["x-anychat-signature"]));
	const want = Buffer.from(`sha256=${createHmac("sha256", secret).update(`${ts}.${body}`).digest("hex")}`);
	const fresh = Math.abs(Date.now() / 1000 - Number(ts)) < 300;
	return fresh && sig.length === want.length && timingSafeEqual(sig, want);
}

function moderate(content: string) {
	if (content.includes("forbidden")) return { action: "reject", reason: "forbidden word" };
	if (content.includes("secret")) return { action: "replace", content: content.replace(/secret \S+/, "[redacted]") };
	return { action: "allow" };
}

beforeAll(async () => {
	receiver = createServer((req, res) => {
		let body = "";
		req.on("data", (c) => (body += c));
		req.on("end", () => {
			const path = req.url ?? "";
			const secret = secrets.get(path);
			if (!secret || !verified(secret, req.headers, body)) {
				refused.push(path);
				return res.writeHead(401).end();
			}
			const delivery = JSON.parse(body);
			if (req.headers["x-anychat-delivery"] !== delivery.id || req.headers["x-anychat-event"] !== delivery.event) {
				refused.push(`${path}: headers do not match the body`);
				return res.writeHead(400).end();
			}
			arrived.set(path, [...(arrived.get(path) ?? []), delivery]);
			if (path === "/flaky" && flakyFailures-- > 0) return res.writeHead(500).end();
			const answer = delivery.event === "message.before_send" ? moderate(delivery.data.content) : { ok: true };
			res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
		});
	});
	await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
	receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
	// Retries 1 s, 2 s, … instead of 10 s, 20 s, … (the documented setting), so the flaky case is quick.
	server = await startDevServer({ vars: { WEBHOOK_RETRY_BASE_SECONDS: "1" } });
});
afterAll(async () => {
	await server?.stop();
	await new Promise((r) => receiver?.close(r));
});

const api = envelopeApi(() => server.url);

async function register() {
	const id = unique();
	const r = await api("POST", "/auth/register", {
		email: `${id}@example.com`,
		password: "secret123",
		verifyCode: "0",
		deviceType: "PC",
		deviceId: `hooks-${id}`,
		clientVersion: "e2e",
	});
	expect(r, r.message).toMatchObject({ code: 0 });
	return { userId: r.data.userId as string, token: r.data.accessToken as string };
}

async function hook(path: string, events: string[]) {
	const login = await api(
		"POST",
		"/auth/login",
		{ username: "admin", password: "Admin@123456" },
		undefined,
		"/api/admin",
	);
	const r = await api("POST", "/admin/webhooks", { url: `${receiverUrl}${path}`, events }, login.data.token);
	expect(r, r.message).toMatchObject({ code: 0 });
	secrets.set(path, r.data.secret);
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
	const until = Date.now() + timeoutMs;
	for (;;) {
		const v = probe();
		if (v !== undefined) return v;
		if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 50));
	}
}

const find = (path: string, match: (d: { event: string; data: any }) => boolean) => () =>
	arrived.get(path)?.find(match);

function open(token: string) {
	const ws = new WebSocket(`${server.url.replace("http", "ws")}/api/v1/ws?token=${token}`);
	const frames: any[] = [];
	ws.on("message", (m) => frames.push(JSON.parse(String(m))));
	const opened = new Promise<void>((resolve, reject) => {
		ws.once("open", () => resolve());
		ws.once("error", reject);
	});
	return { ws, frames, opened };
}

describe("webhooks with a real receiver", () => {
	it("delivers user.registered, friend.added and message.created, signed; moderates with message.before_send", async () => {
		await hook("/events", ["user.registered", "friend.added", "message.created"]);
		const [a, b] = [await register(), await register()];
		await waitFor(
			"user.registered",
			find("/events", (d) => d.event === "user.registered" && d.data.userId === a.userId),
		);

		const req = await api("POST", "/friends/requests", { userId: b.userId, message: "hi", source: "search" }, a.token);
		if (!req.data.autoAccepted)
			await api("PUT", `/friends/requests/${req.data.requestId}`, { action: "accept" }, b.token);
		await waitFor(
			"friend.added",
			find("/events", (d) => d.event === "friend.added" && d.data.fromUserId === a.userId),
		);

		const conv = privateConversationId(a.userId, b.userId);
		const sa = open(a.token);
		const sb = open(b.token);
		await Promise.all([sa.opened, sb.opened]);
		const send = async (content: string, localId: string) => {
			sa.ws.send(
				JSON.stringify({
					type: "message.send",
					payload: { conversationId: conv, conversationType: "private", contentType: "text", content, localId },
				}),
			);
			return waitFor(`answer to ${localId}`, () =>
				sa.frames.find(
					(f) => f.payload?.localId === localId && (f.type === "message.sent" || f.type === "message.error"),
				),
			);
		};
		const plain = await send("hello hooks", "e2e-1");
		expect(plain.type).toBe("message.sent");
		const created = await waitFor(
			"message.created",
			find("/events", (d) => d.event === "message.created" && d.data.messageId === plain.payload.messageId),
		);
		expect(created.data).toMatchObject({ conversationId: conv, senderId: a.userId, content: "hello hooks" });

		await hook("/moderate", ["message.before_send"]);
		const rejected = await send("a forbidden thing", "e2e-2");
		expect(rejected).toMatchObject({ type: "message.error", payload: { code: 50113, message: "forbidden word" } });
		const replaced = await send("my secret 1234 is safe", "e2e-3");
		expect(replaced.type).toBe("message.sent");
		const delivered = await waitFor("the replaced message", () =>
			sb.frames.find((f) => f.payload?.data?.messageId === replaced.payload.messageId),
		);
		expect(delivered.payload.data.content).toBe("my [redacted] is safe");
		const history = await api("GET", `/sessions/${conv}/messages?limit=10`, undefined, b.token);
		expect(history.data.list.map((m: any) => m.content).sort()).toEqual(["hello hooks", "my [redacted] is safe"]);
		expect(arrived.get("/moderate")?.map((d) => d.data.content)).toEqual([
			"a forbidden thing",
			"my secret 1234 is safe",
		]);
		expect(refused).toEqual([]);
		sa.ws.close();
		sb.ws.close();
	});

	it("retries a receiver that fails until it answers 2xx, with the same delivery id", async () => {
		await hook("/flaky", ["user.registered"]);
		const u = await register();
		await waitFor(
			"three attempts",
			() => {
				const mine = arrived.get("/flaky")?.filter((d) => d.data.userId === u.userId) ?? [];
				return mine.length >= 3 ? mine : undefined;
			},
			60_000,
		);
		await new Promise((r) => setTimeout(r, 3000));
		const mine = arrived.get("/flaky")!.filter((d) => d.data.userId === u.userId);
		expect(mine).toHaveLength(3);
		expect(new Set(mine.map((d) => d.id)).size).toBe(1);
		expect(refused).toEqual([]);
	});
});
