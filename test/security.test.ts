import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { jwtVerify } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Bindings } from "../domain/env";
import { app } from "../workers/app";
import { operations } from "../workers/lib/openapi";
import { API_CSP } from "../workers/lib/security-headers";
import { BASE, call, ok } from "./fixtures/api";
import { fillPath, pathParams } from "./fixtures/route-table";
import { PASSWORD, registerUser } from "./fixtures/users";

/**
 * The same Worker with other settings (production mode, CORS_ORIGINS, secrets): the real app
 * and the real D1/DO bindings of this test run, only the vars differ — what `wrangler
 * deploy` with other vars and secrets would run.
 */
async function fetchWith(vars: Partial<Bindings>, path: string, init: RequestInit = {}) {
	const ctx = createExecutionContext();
	const res = await app.fetch(new Request(`${BASE}${path}`, init), { ...env, ...vars } as Bindings, ctx);
	await waitOnExecutionContext(ctx);
	return res;
}

const registration = (email: string, password = PASSWORD) => ({
	method: "POST",
	headers: { "Content-Type": "application/json" },
	body: JSON.stringify({
		email,
		password,
		verifyCode: "0",
		deviceType: "Web",
		deviceId: "prod-test",
		clientVersion: "1.0.0",
	}),
});

/** Exactly 32 bytes, the minimum production accepts. */
const STRONG_SECRET = "k".repeat(32);

afterEach(() => {
	vi.restoreAllMocks();
});

describe("security headers", () => {
	function expectHeaders(res: Response, what: string) {
		const h = res.headers;
		expect(h.get("X-Content-Type-Options"), what).toBe("nosniff");
		expect(h.get("Referrer-Policy"), what).toBe("no-referrer");
		expect(h.get("X-Frame-Options"), what).toBe("DENY");
		expect(h.get("Strict-Transport-Security"), what).toBe("max-age=31536000");
		const csp = h.get("Content-Security-Policy") ?? "";
		expect(csp, what).toContain("frame-ancestors 'none'");
		if (!(h.get("Content-Type") ?? "").startsWith("text/html")) expect(csp, what).toBe(API_CSP);
	}

	it("are on every route's response, refusals included", async () => {
		for (const op of operations(app.routes)) {
			const path = fillPath(op.path, Object.fromEntries(pathParams(op.path).map((p) => [p, "x"])));
			const res = await SELF.fetch(`${BASE}${path}`, { method: op.method });
			await res.arrayBuffer();
			expectHeaders(res, `${op.method} ${op.path} → ${res.status}`);
		}
	});

	it("are on successes, errors, 404s, 413s and CORS preflights", async () => {
		const u = await registerUser();
		const cases: [string, RequestInit][] = [
			["/api/v1/users/me", { headers: { Authorization: `Bearer ${u.token}` } }],
			["/api/v1/nope", {}],
			["/nope", {}],
			[
				"/api/v1/auth/login",
				{ method: "POST", headers: { "Content-Type": "application/json" }, body: "x".repeat(1024 * 1024 + 1) },
			],
			[
				"/api/v1/users/me",
				{
					method: "OPTIONS",
					headers: { Origin: "https://app.example", "Access-Control-Request-Method": "PUT" },
				},
			],
			["/api/v1/ws?token=bad", { headers: { Upgrade: "websocket" } }],
		];
		for (const [path, init] of cases) {
			const res = await SELF.fetch(`${BASE}${path}`, init);
			await res.arrayBuffer();
			expectHeaders(res, `${init.method ?? "GET"} ${path} → ${res.status}`);
		}
	});

	it("give the docs page a nonce CSP that covers exactly its own inline code", async () => {
		const res = await SELF.fetch(`${BASE}/docs`);
		const html = await res.text();
		expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
		const csp = res.headers.get("Content-Security-Policy") ?? "";
		const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
		expect(nonce, csp).toBeTruthy();
		expect(csp).toContain("default-src 'self'");
		expect(csp).not.toContain("unsafe-inline");
		expect(csp).not.toContain("unsafe-eval");
		const tags = html.match(/<(script|style)\b[^>]*>/g) ?? [];
		expect(tags.length).toBeGreaterThan(1);
		for (const tag of tags) expect(tag).toContain(`nonce="${nonce}"`);
		// Inline attributes would be blocked by that policy, so the page must not rely on any.
		expect(html).not.toMatch(/\sstyle=["']/);
		expect(html).not.toMatch(/<[^>]+\son[a-z]+=/i);
		const again = await SELF.fetch(`${BASE}/docs`);
		await again.arrayBuffer();
		expect(again.headers.get("Content-Security-Policy")).not.toBe(csp);
	});
});

describe("CORS", () => {
	const preflight = (origin: string): RequestInit => ({
		method: "OPTIONS",
		headers: {
			Origin: origin,
			"Access-Control-Request-Method": "POST",
			"Access-Control-Request-Headers": "content-type",
		},
	});

	it("allows any origin by default in development (reflected, since credentials are allowed)", async () => {
		const res = await SELF.fetch(`${BASE}/health`, { headers: { Origin: "https://anything.example" } });
		expect(res.headers.get("Access-Control-Allow-Origin")).toBe("https://anything.example");
		expect(res.headers.get("Access-Control-Allow-Credentials")).toBe("true");
		const pre = await SELF.fetch(`${BASE}/api/v1/auth/login`, preflight("https://anything.example"));
		expect(pre.status).toBe(204);
		expect(pre.headers.get("Access-Control-Allow-Origin")).toBe("https://anything.example");
	});

	it("echoes only the configured origins when CORS_ORIGINS is set", async () => {
		const vars = { CORS_ORIGINS: "https://a.example, https://b.example" };
		for (const origin of ["https://a.example", "https://b.example"]) {
			const res = await fetchWith(vars, "/health", { headers: { Origin: origin } });
			expect(res.headers.get("Access-Control-Allow-Origin")).toBe(origin);
			expect(res.headers.get("Vary") ?? "").toContain("Origin");
			const pre = await fetchWith(vars, "/api/v1/auth/login", preflight(origin));
			expect(pre.headers.get("Access-Control-Allow-Origin")).toBe(origin);
		}
		for (const origin of ["https://evil.example", "https://a.example.evil.example", "null"]) {
			const res = await fetchWith(vars, "/health", { headers: { Origin: origin } });
			expect(res.headers.get("Access-Control-Allow-Origin"), origin).toBeNull();
			const pre = await fetchWith(vars, "/api/v1/auth/login", preflight(origin));
			expect(pre.headers.get("Access-Control-Allow-Origin"), origin).toBeNull();
		}
	});

	it("allows no origin in production unless configured, and never '*'", async () => {
		const prod = { ENVIRONMENT: "production", JWT_SECRET: STRONG_SECRET };
		const origin = { headers: { Origin: "https://a.example" } };
		expect((await fetchWith(prod, "/health", origin)).headers.get("Access-Control-Allow-Origin")).toBeNull();
		const star = { ...prod, CORS_ORIGINS: "*" };
		expect((await fetchWith(star, "/health", origin)).headers.get("Access-Control-Allow-Origin")).toBeNull();
		const listed = { ...prod, CORS_ORIGINS: "*, https://a.example" };
		expect((await fetchWith(listed, "/health", origin)).headers.get("Access-Control-Allow-Origin")).toBe(
			"https://a.example",
		);
	});
});

describe("production secrets", () => {
	const misconfigured: [string, Partial<Bindings>][] = [
		["missing JWT_SECRET", { ENVIRONMENT: "production" }],
		["empty JWT_SECRET", { ENVIRONMENT: "production", JWT_SECRET: "" }],
		["a 31-byte JWT_SECRET", { ENVIRONMENT: "production", JWT_SECRET: STRONG_SECRET.slice(1) }],
	];

	it.each(misconfigured)("refuses every request with %s and signs no token", async (_name, vars) => {
		const logged = vi.spyOn(console, "error").mockImplementation(() => {});
		const email = `prod-${crypto.randomUUID()}@example.com`;
		const res = await fetchWith(vars, "/api/v1/auth/register", registration(email));
		expect(res.status).toBe(500);
		expect(await res.json()).toEqual({ code: 500, message: "server misconfigured", data: null });
		const created = await env.DB.prepare("SELECT 1 FROM users WHERE email = ?").bind(email).first();
		expect(created, "no account is created, so no token could have been signed").toBeNull();

		// A token signed by the development key is not accepted either.
		const u = await registerUser();
		const me = await fetchWith(vars, "/api/v1/users/me", { headers: { Authorization: `Bearer ${u.token}` } });
		expect(me.status).toBe(500);
		const health = await fetchWith(vars, "/health");
		expect(health.status).toBe(500);

		// The operator is told why, and the secret itself is never written to the log.
		const lines = logged.mock.calls.map((args) => args.join(" "));
		expect(lines.some((l) => l.includes("JWT_SECRET"))).toBe(true);
		if (vars.JWT_SECRET) for (const l of lines) expect(l).not.toContain(vars.JWT_SECRET);
	});

	it("serves with a 32-byte secret and signs tokens with it", async () => {
		const vars = { ENVIRONMENT: "production", JWT_SECRET: STRONG_SECRET };
		const email = `prod-${crypto.randomUUID()}@example.com`;
		const res = await fetchWith(vars, "/api/v1/auth/register", registration(email));
		const body = (await res.json()) as any;
		expect(res.status, body.message).toBe(200);
		const { payload } = await jwtVerify(body.data.accessToken, new TextEncoder().encode(STRONG_SECRET));
		expect(payload.userId).toBe(body.data.userId);
		const me = await fetchWith(vars, "/api/v1/users/me", {
			headers: { Authorization: `Bearer ${body.data.accessToken}` },
		});
		expect(me.status).toBe(200);
		// A token of the development key means nothing to this deployment.
		const dev = await registerUser();
		const refused = await fetchWith(vars, "/api/v1/users/me", { headers: { Authorization: `Bearer ${dev.token}` } });
		expect(refused.status).toBe(401);
	});
});

describe("passwords are never logged", () => {
	/** Every source file of the Worker and the objects, as text (bundled by Vite at test time). */
	const sources = import.meta.glob(["../workers/**/*.ts", "../durable-objects/**/*.ts", "../platform/**/*.ts"], {
		query: "?raw",
		import: "default",
		eager: true,
	}) as Record<string, string>;

	/** The argument text of every console.* call in `code`, and of the JSON log helpers (platform/log.ts). */
	function consoleCalls(code: string): string[] {
		const calls: string[] = [];
		for (const m of code.matchAll(/(?:console\.(?:log|info|warn|error|debug|trace)|\blog(?:Error|Line))\s*\(/g)) {
			let depth = 1;
			let i = m.index + m[0].length;
			const start = i;
			for (; i < code.length && depth > 0; i++) {
				if (code[i] === "(") depth++;
				else if (code[i] === ")") depth--;
			}
			calls.push(code.slice(start, i - 1));
		}
		return calls;
	}

	it("no console call in the code logs a password, a secret, a token or a request body", () => {
		const files = Object.keys(sources);
		expect(files.length).toBeGreaterThan(10);
		const offending: string[] = [];
		let count = 0;
		for (const [file, code] of Object.entries(sources)) {
			for (const args of consoleCalls(code)) {
				count++;
				// The NAME of a setting (ADMIN_BOOTSTRAP_PASSWORD) says what to configure; it carries no value.
				const named = args.replace(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]*(PASSWORD|SECRET|TOKEN)[A-Z0-9_]*\b/g, "SETTING_NAME");
				if (/password|secret|token|authorization|\bbody\b|req\.(json|text|raw)|valid\(|JWT_SECRET/i.test(named))
					offending.push(`${file}: console(${args.replace(/\s+/g, " ").slice(0, 120)})`);
			}
		}
		expect(count, "the scan sees the existing console calls").toBeGreaterThan(0);
		expect(offending).toEqual([]);
	});

	it("no log line carries a password through register, login, refresh and password change", async () => {
		const lines: string[] = [];
		for (const level of ["log", "info", "warn", "error", "debug"] as const)
			vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
				lines.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : String(a))).join(" "));
			});
		const first = "Secr3tPassw0rd-one";
		const second = "Secr3tPassw0rd-two";
		const email = `log-${crypto.randomUUID()}@example.com`;
		const reg = await ok("POST", "/auth/register", {
			body: { email, password: first, verifyCode: "0", deviceType: "Web", deviceId: "d1", clientVersion: "1" },
		});
		const login = (password: string) =>
			call("POST", "/auth/login", {
				body: { account: email, password, deviceType: "Web", deviceId: "d2", clientVersion: "1" },
			});
		expect((await login(`${first}-wrong`)).status).toBe(401);
		expect((await login(first)).status).toBe(200);
		await call("POST", "/auth/login", {
			raw: `{"account":"${email}","password":"${first}"`,
			contentType: "application/json",
		});
		await call("POST", "/auth/password/change", {
			token: reg.accessToken,
			body: { oldPassword: `${first}-wrong`, newPassword: second },
		});
		await ok("POST", "/auth/password/change", {
			token: reg.accessToken,
			body: { oldPassword: first, newPassword: second },
		});
		await ok("POST", "/auth/refresh", { body: { refreshToken: reg.refreshToken } });
		for (const line of lines) {
			for (const secret of [first, second, reg.accessToken, reg.refreshToken])
				expect(line, "a log line").not.toContain(secret);
		}
	});
});
