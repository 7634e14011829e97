/**
 * Server-initiated WebSocket closes reach the client as a close event, with our code and reason,
 * within a second, under `npm start` (see scripts/front-relay.ts for why that needs the relay):
 * the `ws` package, Node's built-in WebSocket and headless Chromium, each for a replaced
 * connection (4001), a logout of the device from another one and a password change (4003).
 */
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WsSocket from "ws";
import { type DevServer, startDevServer } from "./server";

let server: DevServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
	server = await startDevServer();
	browser = await chromium.launch({
		executablePath: "/usr/bin/chromium",
		args: [
			"--headless",
			"--no-sandbox",
			"--disable-gpu",
			"--disable-quic",
			"--no-first-run",
			"--disable-background-networking",
			"--disable-component-update",
			"--disable-sync",
		],
	});
	page = await browser.newPage();
	// The console's own origin, so the page may open sockets to the API without CORS questions.
	await page.goto(server.url);
});
afterAll(async () => {
	await browser?.close();
	await server?.stop();
});

const LIMIT_MS = 1000;
type Closed = { code: number; reason: string; ms: number };

/** A socket of one client kind; `closed` resolves with the close event, timed from `mark()`. */
interface Probe {
	closed: Promise<Closed>;
	mark(): void;
}

const wsUrl = (token: string) => `${server.url.replace("http", "ws")}/api/v1/ws?token=${token}`;

async function viaWsPackage(token: string): Promise<Probe> {
	const ws = new WsSocket(wsUrl(token));
	let t0 = 0;
	const closed = new Promise<Closed>((resolve) =>
		ws.on("close", (code, reason) => resolve({ code, reason: String(reason), ms: Date.now() - t0 })),
	);
	await new Promise<void>((resolve, reject) => {
		ws.once("open", () => resolve());
		ws.once("error", reject);
	});
	return { closed, mark: () => (t0 = Date.now()) };
}

async function viaNodeWebSocket(token: string): Promise<Probe> {
	const ws = new WebSocket(wsUrl(token));
	let t0 = 0;
	const closed = new Promise<Closed>((resolve) => {
		ws.onclose = (e) => resolve({ code: e.code, reason: e.reason, ms: Date.now() - t0 });
	});
	await new Promise<void>((resolve, reject) => {
		ws.onopen = () => resolve();
		ws.onerror = () => reject(new Error("socket failed"));
	});
	return { closed, mark: () => (t0 = Date.now()) };
}

let browserSockets = 0;
async function viaChromium(token: string): Promise<Probe> {
	const id = `s${browserSockets++}`;
	await page.evaluate(
		([url, key]) =>
			new Promise<void>((resolve, reject) => {
				const w = window as unknown as Record<string, unknown>;
				const ws = new WebSocket(url);
				w[`${key}:closed`] = new Promise((done) => {
					ws.onclose = (e) => done({ code: e.code, reason: e.reason, at: performance.now() });
				});
				ws.onopen = () => resolve();
				ws.onerror = () => reject(new Error("socket failed"));
			}),
		[wsUrl(token), id] as const,
	);
	let t0 = 0;
	return {
		mark: () => {
			t0 = Date.now();
		},
		// The close is timed in the page; the wait for it here is bounded by the test's timeout.
		closed: page
			.evaluate((key) => (window as unknown as Record<string, Promise<unknown>>)[`${key}:closed`], id)
			.then((c) => {
				const { code, reason } = c as { code: number; reason: string };
				return { code, reason, ms: Date.now() - t0 };
			}),
	};
}

const CLIENTS = { ws: viaWsPackage, "Node WebSocket": viaNodeWebSocket, Chromium: viaChromium } as const;

async function api(path: string, body: unknown, token?: string, base = "/api/v1") {
	const res = await fetch(`${server.url}${base}${path}`, {
		method: "POST",
		headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
		body: JSON.stringify(body),
	});
	const json = (await res.json()) as { code: number; message: string; data: any };
	expect(json.code, `${path}: ${json.message}`).toBe(0);
	return json.data;
}

const PASSWORD = "secret123";
async function account() {
	const id = `c${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
	const device = (deviceId: string) => ({ password: PASSWORD, deviceType: "PC", deviceId, clientVersion: "e2e" });
	const first = await api("/auth/register", { email: `${id}@example.com`, verifyCode: "0", ...device("first") });
	const second = await api("/auth/login", { account: `${id}@example.com`, ...device("second") });
	return { userId: first.userId as string, first: first.accessToken as string, second: second.accessToken as string };
}

/** The development admin of `npm start` (README), logged in once per run. */
let adminToken: string | null = null;
const admin = async () => {
	adminToken ??= (await api("/auth/login", { username: "admin", password: "Admin@123456" }, undefined, "/api/admin"))
		.token as string;
	return adminToken;
};

/** Waits for the close, bounded: a close that never comes fails here, not at the test's timeout. */
const within = (probe: Probe) =>
	Promise.race([
		probe.closed,
		new Promise<Closed>((resolve) =>
			setTimeout(() => resolve({ code: 0, reason: "no close event", ms: 10_000 }), 10_000),
		),
	]);

describe.each(Object.entries(CLIENTS))("server-initiated closes with %s", (name, open) => {
	it("a replaced connection (the same device connects again) closes with 4001 within 1 s", async () => {
		const { first } = await account();
		const probe = await open(first);
		probe.mark();
		const replacement = await viaWsPackage(first);
		const closed = await within(probe);
		console.log(`${name}: replaced → close ${closed.code} in ${closed.ms} ms`);
		expect(closed).toMatchObject({ code: 4001, reason: "replaced by a new connection" });
		expect(closed.ms).toBeLessThan(LIMIT_MS);
		void replacement;
	});

	it("a logout of the device from another one closes with 4003 within 1 s", async () => {
		const { first, second } = await account();
		const probe = await open(first);
		probe.mark();
		await api("/auth/logout", { deviceId: "first" }, second);
		const closed = await within(probe);
		console.log(`${name}: logout → close ${closed.code} in ${closed.ms} ms`);
		expect(closed).toMatchObject({ code: 4003, reason: "session ended" });
		expect(closed.ms).toBeLessThan(LIMIT_MS);
	});

	it("a password change ends the other devices' sockets with 4003 within 1 s", async () => {
		const { first, second } = await account();
		const probe = await open(first);
		probe.mark();
		await api("/auth/password/change", { oldPassword: PASSWORD, newPassword: "secret456" }, second);
		const closed = await within(probe);
		console.log(`${name}: password change → close ${closed.code} in ${closed.ms} ms`);
		expect(closed).toMatchObject({ code: 4003, reason: "session ended" });
		expect(closed.ms).toBeLessThan(LIMIT_MS);
	});

	it("a ban from the admin API ends the user's sockets with 4003 within 1 s", async () => {
		const { userId, first } = await account();
		const probe = await open(first);
		probe.mark();
		await api(`/users/${userId}/ban`, { reason: "e2e" }, await admin(), "/api/admin");
		const closed = await within(probe);
		console.log(`${name}: ban → close ${closed.code} in ${closed.ms} ms`);
		expect(closed).toMatchObject({ code: 4003, reason: "session ended" });
		expect(closed.ms).toBeLessThan(LIMIT_MS);
	});
});
