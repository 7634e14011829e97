import { env, SELF } from "cloudflare:test";
import { decodeJwt, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN_ALIAS_PATH, ADMIN_BASE_PATH } from "../contracts/admin";
import { app } from "../workers/app";
import { type Operation, operations } from "../workers/lib/openapi";
import { superadminToken } from "./fixtures/admin";
import { BASE, ok } from "./fixtures/api";
import {
	adminOf,
	aliasOf,
	disableUser,
	fillPath,
	PUBLIC_ROUTES,
	pathParams,
	RESOURCE_ROUTES,
	SUPERADMIN_ONLY,
	TOKEN_TRANSPORT,
	tableKey,
} from "./fixtures/route-table";
import { loginDevice, registerUser } from "./fixtures/users";

/**
 * The authorization matrix, generated from the route table: every protected route against
 * every way a caller can be wrong about who they are, and every route that names a resource
 * against a caller who has no right to it. Routes merged later are covered automatically;
 * the inventory tests fail until they have the entries the matrix needs.
 */

const served = operations(app.routes);
const keyOf = (op: Pick<Operation, "method" | "path">) => `${op.method} ${op.path}`;
/** The route's entry in the fixture tables (an admin alias route reads its ADMIN_BASE_PATH entry). */
const entryKey = (op: Pick<Operation, "method" | "path">) => tableKey(keyOf(op));
const atAlias = (op: Pick<Operation, "path">) => op.path.startsWith(`${ADMIN_ALIAS_PATH}/`);
/**
 * Every route once, and every admin route again at the alias base path, derived from its
 * ADMIN_BASE_PATH route rather than read from the app: a route that answers at one base path
 * only is a 404 where the matrix expects a refusal, and the inventory names it.
 */
const ops: Operation[] = served
	.filter((op) => !atAlias(op))
	.flatMap((op) => {
		const alias = aliasOf(op.path);
		return alias ? [op, { ...op, path: alias }] : [op];
	});
const isProtected = (op: Operation) => op.auth === "user" || op.auth === "admin";
const protectedOps = ops.filter(isProtected);
const userOps = protectedOps.filter((op) => op.auth === "user");
const adminOps = protectedOps.filter((op) => op.auth === "admin");

/** The codes a refusal of the caller's identity may carry (WIRE-PROFILE §1, auth.md). */
const TOKEN_CODES = new Set([401, 10106, 10109, 10110]);

interface Attempt {
	/** Full `Authorization` header value, or the bare token for query transports. */
	authorization?: string;
	token?: string;
	params?: Record<string, string>;
	query?: string;
	body?: unknown;
}

/** Sends one request to `op` as described and returns status, raw text and the parsed envelope. */
async function send(op: Operation, a: Attempt) {
	const params = a.params ?? Object.fromEntries(pathParams(op.path).map((p) => [p, "1"]));
	const path = fillPath(op.path, params);
	const headers: Record<string, string> = {};
	let url = `${BASE}${path}${a.query ? `?${a.query}` : ""}`;
	if (TOKEN_TRANSPORT[entryKey(op)] === "ws-query") {
		headers.Upgrade = "websocket";
		const token = a.token ?? a.authorization?.replace(/^\S+ /, "");
		if (token !== undefined) url += `?token=${encodeURIComponent(token)}`;
	} else if (a.authorization !== undefined) headers.Authorization = a.authorization;
	else if (a.token) headers.Authorization = `Bearer ${a.token}`;
	let body: string | undefined;
	if (a.body !== undefined) {
		body = JSON.stringify(a.body);
		headers["Content-Type"] = "application/json";
	}
	const res = await SELF.fetch(url, { method: op.method, headers, body });
	if (res.webSocket) {
		res.webSocket.accept();
		res.webSocket.close(1000, "matrix");
		return { status: res.status, text: "", headers: res.headers, envelope: null };
	}
	const text = await res.text();
	let envelope: { code: number; message: string; data: unknown } | null = null;
	try {
		envelope = JSON.parse(text);
	} catch {}
	return { status: res.status, text, headers: res.headers, envelope };
}

function expectRefused(
	res: Awaited<ReturnType<typeof send>>,
	what: string,
	statuses: number[],
	codes?: Set<number> | number[],
) {
	expect(res.envelope, `${what}: not a JSON envelope (${res.status}): ${res.text.slice(0, 200)}`).not.toBeNull();
	const { code, message, data } = res.envelope!;
	expect(statuses, `${what}: status ${res.status} ${message}`).toContain(res.status);
	expect(typeof message).toBe("string");
	expect(data, what).toBeNull();
	expect(Number.isInteger(code) && code !== 0, `${what}: code ${code}`).toBe(true);
	if (codes) expect([...codes], `${what}: code ${code} (${message})`).toContain(code);
}

describe("route inventory", () => {
	it("finds the routes", () => {
		expect(userOps.length).toBeGreaterThan(20);
	});

	it("every route is protected or deliberately public", () => {
		const unlisted = ops
			.filter((op) => !isProtected(op) && op.auth !== "public" && !(entryKey(op) in PUBLIC_ROUTES))
			.map(keyOf);
		expect(
			unlisted,
			"these routes have no auth meta: add requireUser (or the admin guard), or list them with a reason in PUBLIC_ROUTES in test/fixtures/route-table.ts",
		).toEqual([]);
		const stale = Object.keys(PUBLIC_ROUTES).filter((k) => !ops.some((op) => keyOf(op) === k && !isProtected(op)));
		expect(stale, "PUBLIC_ROUTES names routes that do not exist or are protected").toEqual([]);
	});

	it("every route that names a resource has an entry in the resource table", () => {
		const missing = ops.filter((op) => pathParams(op.path).length && !RESOURCE_ROUTES[entryKey(op)]).map(keyOf);
		expect(
			missing,
			"add an entry for each of these routes to RESOURCE_ROUTES in test/fixtures/route-table.ts: build the resource for one user with secret markers and say what a user without rights to it must get",
		).toEqual([]);
		const stale = Object.keys(RESOURCE_ROUTES).filter((k) => !ops.some((op) => keyOf(op) === k));
		expect(stale, "RESOURCE_ROUTES names routes that no longer exist").toEqual([]);
	});

	it(`every admin route answers at both ${ADMIN_BASE_PATH} and ${ADMIN_ALIAS_PATH}`, () => {
		const derived = ops.filter(atAlias).map(keyOf).sort();
		expect(derived.length).toBeGreaterThan(10);
		expect(
			served.filter(atAlias).map(keyOf).sort(),
			`the app serves at ${ADMIN_ALIAS_PATH} exactly the ${ADMIN_BASE_PATH} routes (mount both through workers/app.ts)`,
		).toEqual(derived);
	});
});

describe("authentication matrix", () => {
	const t = {} as {
		valid: string;
		expired: string;
		forged: string;
		algNone: string;
		refresh: string;
		loggedOut: string;
		disabled: string;
	};

	beforeAll(async () => {
		const user = await registerUser();
		t.valid = user.token;
		t.refresh = user.refreshToken;

		// Expired: the user's own claims, signed with the real key, lifetime over.
		const claims = decodeJwt(user.token);
		const row = await env.DB.prepare("SELECT value FROM dev_secrets WHERE name = 'jwt'").first<{ value: string }>();
		expect(row, "the development JWT key is kept in D1 dev_secrets").not.toBeNull();
		const past = Math.floor(Date.now() / 1000) - 7200;
		const resign = (key: Uint8Array, iat: number, exp: number) =>
			new SignJWT({ ...claims })
				.setProtectedHeader({ alg: "HS256", typ: "JWT" })
				.setIssuedAt(iat)
				.setNotBefore(iat)
				.setExpirationTime(exp)
				.sign(key);
		t.expired = await resign(new TextEncoder().encode(row!.value), past, past + 60);
		t.forged = await resign(crypto.getRandomValues(new Uint8Array(48)), past + 7200, past + 14400);
		const b64 = (o: object) => btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
		t.algNone = `${b64({ alg: "none", typ: "JWT" })}.${b64({ ...claims, exp: past + 99999 })}.`;

		const other = await loginDevice(user, `gone-${crypto.randomUUID()}`);
		await ok("POST", "/auth/logout", { token: other.token, body: { deviceId: other.deviceId } });
		t.loggedOut = other.token;

		const banned = await registerUser();
		await disableUser(banned.userId);
		t.disabled = banned.token;
	});

	const rows: { name: string; attempts: () => Attempt[]; statuses: number[]; codes: number[] }[] = [
		{ name: "no token", attempts: () => [{}], statuses: [401], codes: [401] },
		{
			name: "malformed token",
			attempts: () => [
				{ authorization: "Bearer not-a-jwt" },
				{ authorization: "Bearer a.b.c" },
				{ authorization: "Bearer " },
				{ authorization: `Basic ${btoa("user:pass")}` },
				{ authorization: `Bearer ${t.valid} trailing` },
				{ authorization: `Bearer ${t.valid.slice(0, -4)}AAAA` },
			],
			statuses: [401],
			codes: [401, 10109],
		},
		{
			name: "forged or unsigned token",
			attempts: () => [{ token: t.forged }, { token: t.algNone }],
			statuses: [401],
			codes: [10109],
		},
		{ name: "expired token", attempts: () => [{ token: t.expired }], statuses: [401], codes: [10110] },
		{ name: "refresh token used as access", attempts: () => [{ token: t.refresh }], statuses: [401], codes: [10109] },
		{ name: "token of a logged-out device", attempts: () => [{ token: t.loggedOut }], statuses: [401], codes: [10109] },
		{ name: "token of a disabled user", attempts: () => [{ token: t.disabled }], statuses: [401, 403], codes: [10106] },
	];

	describe.each(protectedOps.map((op) => [keyOf(op), op] as const))("%s", (key, op) => {
		// Admin routes refuse every user-side token for being one; their own codes are theirs to choose.
		const admin = op.auth === "admin";
		it.each(rows.map((r) => [r.name, r] as const))("refuses %s with the envelope", async (_name, row) => {
			for (const a of row.attempts()) {
				const res = await send(op, a);
				const what = `${key} with ${JSON.stringify(a).slice(0, 80)}`;
				if (admin) expectRefused(res, what, [401, 403]);
				else expectRefused(res, what, row.statuses, row.codes);
			}
		});

		it("lets a valid token past authentication (the matrix is not vacuous)", async () => {
			const res = await send(op, { token: admin ? await superadminToken() : t.valid });
			expect(res.status, `${key}: ${res.text.slice(0, 200)}`).not.toBe(401);
			if (res.envelope) expect(TOKEN_CODES.has(res.envelope.code), res.envelope.message).toBe(false);
		});
	});

	it("refuses an admin token on every user route", async () => {
		expect(adminOps.length).toBeGreaterThan(0);
		const admin = await superadminToken();
		for (const op of userOps) expectRefused(await send(op, { token: admin }), keyOf(op), [401, 403]);
	});
	it("refuses a user token on every admin route", async () => {
		for (const op of adminOps) expectRefused(await send(op, { token: t.valid }), keyOf(op), [401, 403]);
	});
	it("refuses a logged-out or disabled admin's token on every admin route", async () => {
		const sup = await superadminToken();
		const username = `authzgone${crypto.randomUUID().slice(0, 8)}`;
		const created = await ok("POST", "/admin/admins", {
			token: sup,
			body: { username, password: "Str0ngPass1", role: "superadmin" },
		});
		const login = async () =>
			(await ok("POST", "/admin/auth/login", { body: { username, password: "Str0ngPass1" } })).token as string;
		const loggedOut = await login();
		const disabled = await login();
		await ok("POST", "/admin/auth/logout", { token: loggedOut });
		await ok("PUT", `/admin/admins/${created.adminId}/status`, { token: sup, body: { status: 0 } });
		for (const op of adminOps) {
			expectRefused(await send(op, { token: loggedOut }), `${keyOf(op)} logged out`, [401], [12105]);
			expectRefused(await send(op, { token: disabled }), `${keyOf(op)} disabled`, [401, 403], [12102, 12105]);
		}
	});
	it("refuses an operator on every superadmin-only route with 12106, at both base paths", async () => {
		const operator = (await adminOf("operator")).token;
		for (const key of SUPERADMIN_ONLY) {
			const found = adminOps.filter((o) => entryKey(o) === key);
			expect(found.length, `${key}: an admin route at both base paths`).toBe(2);
			for (const op of found) expectRefused(await send(op, { token: operator, body: {} }), keyOf(op), [403], [12106]);
		}
	});
});

describe("resource authorization", () => {
	const withEntries = ops.filter((op) => RESOURCE_ROUTES[entryKey(op)]);

	it.each(withEntries.map((op) => [keyOf(op), op] as const))(
		"%s: a user without rights gets 403/404 and no byte of the resource",
		async (key, op) => {
			const entry = RESOURCE_ROUTES[entryKey(op)]!;
			const owner = await registerUser();
			const stranger = await registerUser();
			const scenarios = await entry.scenarios(owner, stranger);
			expect(scenarios.length).toBeGreaterThan(0);
			for (const s of scenarios) {
				const what = `${key} as ${s.as}`;
				const actor = s.actor ?? stranger;
				const res = await send(op, { token: actor.token, params: s.params, query: s.query, body: s.body });
				expect(res.envelope, `${what}: ${res.text.slice(0, 200)}`).not.toBeNull();
				if (entry.openToAnyUser) expect(res.status, `${what}: ${res.text.slice(0, 200)}`).toBeLessThan(500);
				else expectRefused(res, what, s.denied ?? [403, 404], s.codes);
				const everything = `${res.text}\n${[...res.headers].map(([k, v]) => `${k}: ${v}`).join("\n")}`;
				for (const secret of s.secrets) expect(everything, `${what} leaked ${secret}`).not.toContain(secret);
				await s.unchanged?.();
			}
		},
	);
});
