/**
 * The server's logs as `npm start` writes them: a session with distinctive secrets and texts
 * (register, login, push token, messages over the WebSocket and HTTP, a password change, a
 * refresh) must leave none of them anywhere in the server's whole output, while every request
 * leaves its JSON line (README, "Operate") and the X-Request-Id round trip works.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { privateConversationId } from "../contracts/ids";
import { type DevServer, startDevServer } from "./server";

let server: DevServer;

beforeAll(async () => {
	server = await startDevServer();
});
afterAll(async () => {
	await server?.stop();
});

const marker = () => Math.random().toString(36).slice(2, 10);

async function api(path: string, opts: { method?: string; token?: string; body?: unknown; requestId?: string } = {}) {
	const headers: Record<string, string> = {};
	if (opts.body !== undefined) headers["Content-Type"] = "application/json";
	if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
	if (opts.requestId) headers["X-Request-Id"] = opts.requestId;
	const res = await fetch(`${server.url}/api/v1${path}`, {
		method: opts.method ?? (opts.body === undefined ? "GET" : "POST"),
		headers,
		body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
	});
	const body = (await res.json()) as { code: number; message: string; data: any };
	expect(body.code, `${path}: ${body.message}`).toBe(0);
	return { data: body.data, requestId: res.headers.get("X-Request-Id") };
}

/** Opens the live channel, sends one message and waits for its ack. */
async function sendOverSocket(token: string, conversationId: string, content: string): Promise<void> {
	const ws = new WebSocket(`${server.url.replace("http", "ws")}/api/v1/ws?token=${encodeURIComponent(token)}`, [
		"anychat",
	]);
	try {
		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error("no ack within 10 s")), 10_000);
			ws.addEventListener("error", () => reject(new Error("socket error")));
			ws.addEventListener("open", () =>
				ws.send(
					JSON.stringify({
						type: "message.send",
						payload: { conversationId, conversationType: "private", contentType: "text", content, localId: "log-1" },
					}),
				),
			);
			ws.addEventListener("message", (e) => {
				const frame = JSON.parse(String(e.data));
				if (frame.type === "message.sent" || frame.type === "message.error") {
					clearTimeout(timer);
					if (frame.type === "message.sent") resolve();
					else reject(new Error(`message.error ${frame.payload.message}`));
				}
			});
		});
	} finally {
		ws.close(1000, "done");
	}
}

/** The JSON request lines in the server's output. */
const requestLines = () =>
	server
		.log()
		.split("\n")
		.flatMap((line) => {
			const at = line.indexOf('{"requestId"');
			if (at < 0) return [];
			try {
				return [JSON.parse(line.slice(at)) as Record<string, any>];
			} catch {
				return [];
			}
		});

describe("server logs", () => {
	it("carry one JSON line per request and never a password, token, push token or message text", async () => {
		const m = marker();
		const password = `Pw${m}Secret1`;
		const newPassword = `Np${m}Secret2`;
		const pushToken = `push-token-${m}-${marker()}`;
		const socketText = JSON.stringify({ text: `socket words ${m}` });
		const httpText = JSON.stringify({ text: `http words ${m}` });
		const register = (who: string, pw: string) =>
			api("/auth/register", {
				body: {
					email: `${who}${m}@example.com`,
					password: pw,
					verifyCode: "000000",
					nickname: `${who}${m}`,
					deviceType: "PC",
					deviceId: `${who}-${m}`,
					clientVersion: "e2e",
				},
			});
		const ann = (await register("ann", password)).data;
		const bob = (await register("bob", `Pw${marker()}Bob1`)).data;

		const login = await api("/auth/login", {
			body: {
				account: `ann${m}@example.com`,
				password,
				deviceType: "PC",
				deviceId: `ann-${m}`,
				clientVersion: "e2e",
			},
		});
		const token: string = login.data.accessToken;
		await api("/users/me/settings", { method: "PUT", token: bob.accessToken, body: { friendVerifyRequired: false } });
		await api("/friends/requests", { token, body: { userId: bob.userId, message: `hello ${m}`, source: "search" } });
		await api("/users/me/push-token", { token, body: { deviceId: `ann-${m}`, pushToken, platform: "android" } });
		const conversationId = privateConversationId(ann.userId, bob.userId);
		await sendOverSocket(token, conversationId, socketText);
		const traced = `trace-${m}-${marker()}`;
		const sent = await api("/messages", {
			token,
			requestId: traced,
			body: { conversationId, conversationType: "private", contentType: "text", content: httpText },
		});
		expect(sent.requestId).toBe(traced);
		const refreshed = await api("/auth/refresh", { body: { refreshToken: login.data.refreshToken } });
		await api("/auth/password/change", {
			token: refreshed.data.accessToken,
			body: { oldPassword: password, newPassword },
		});

		// The request lines reach the output shortly after the responses.
		const deadline = Date.now() + 10_000;
		while (!requestLines().some((l) => l.requestId === traced) && Date.now() < deadline)
			await new Promise((r) => setTimeout(r, 100));

		const output = server.log();
		const secrets = {
			password,
			newPassword,
			pushToken,
			socketText: `socket words ${m}`,
			httpText: `http words ${m}`,
			accessToken: token,
			refreshToken: login.data.refreshToken,
			registerToken: ann.accessToken,
			refreshedToken: refreshed.data.accessToken,
		};
		for (const [name, value] of Object.entries(secrets))
			expect(output.includes(value), `${name} in the log`).toBe(false);

		const lines = requestLines();
		expect(lines.find((l) => l.requestId === traced)).toEqual({
			requestId: traced,
			method: "POST",
			route: "/api/v1/messages",
			status: 200,
			durationMs: expect.any(Number),
			userId: ann.userId,
		});
		const upgrade = lines.find((l) => l.route === "/api/v1/ws" && l.userId === undefined && l.status === 101);
		expect(upgrade, "the WebSocket upgrade's line").toBeDefined();
		for (const route of ["/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/users/me/push-token"])
			expect(
				lines.some((l) => l.route === route && l.status === 200 && typeof l.durationMs === "number"),
				route,
			).toBe(true);
		for (const l of lines) expect(l.requestId).toMatch(/^[A-Za-z0-9._:-]{8,128}$/);
	});
});
