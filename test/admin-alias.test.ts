import { describe, expect, it } from "vitest";
import { ADMIN_ALIAS_PATH, ADMIN_BASE_PATH } from "../contracts/admin";
import committed from "../contracts/openapi.json";
import { DEV_ADMIN_PASSWORD, superadminToken } from "./fixtures/admin";
import { call, fails, ok } from "./fixtures/api";
import { registerUser } from "./fixtures/users";

/**
 * The admin API answers at the spec's base path `/api/admin` (admin.md) as well as the gateway
 * contract's `/api/v1/admin`: one set of handlers, so one authentication, envelope, status
 * codes, login throttle and audit log. Paths below are `/admin/...` with a prefix per base path.
 */
const under = (base: string) => ({ prefix: base.replace(/\/admin$/, "") });
const V1 = under(ADMIN_BASE_PATH);
const ALIAS = under(ADMIN_ALIAS_PATH);
const BOTH = [V1, ALIAS] as const;

let n = 0;
const uniqueName = (p: string) => `${p}${Date.now().toString(36)}${n++}`;

const loginAt = async (at: { prefix: string }, username = "admin", password = DEV_ADMIN_PASSWORD) =>
	(await ok("POST", "/admin/auth/login", { ...at, body: { username, password } })).token as string;

describe(`admin API at ${ADMIN_ALIAS_PATH} and ${ADMIN_BASE_PATH}`, () => {
	it(`POST ${ADMIN_ALIAS_PATH}/auth/login logs the bootstrap admin in; refusals carry the same status and code`, async () => {
		const res = await ok("POST", "/admin/auth/login", {
			...ALIAS,
			body: { username: "admin", password: DEV_ADMIN_PASSWORD },
		});
		expect(res).toMatchObject({ username: "admin", role: "superadmin", expiresIn: 28800, token: expect.any(String) });
		for (const at of BOTH) {
			await fails("POST", "/admin/auth/login", 401, 12104, {
				...at,
				body: { username: "admin", password: "Wrong0ne!" },
			});
			await fails("POST", "/admin/auth/login", 401, 12104, { ...at, body: { username: "nobody-here", password: "x" } });
			await fails("POST", "/admin/auth/login", 400, 400, { ...at, body: { username: "admin" } });
			await fails("GET", "/admin/users", 401, 12105, at);
			await fails("GET", "/admin/users", 401, 12105, { ...at, token: (await registerUser()).token });
		}
	});

	it("a token from either base path works on the other, and logout at one ends it at both", async () => {
		const fromAlias = await loginAt(ALIAS);
		const fromV1 = await loginAt(V1);
		for (const token of [fromAlias, fromV1]) {
			for (const at of BOTH) await ok("GET", "/admin/stats/overview", { ...at, token });
		}
		await ok("POST", "/admin/auth/logout", { ...ALIAS, token: fromAlias });
		for (const at of BOTH) await fails("GET", "/admin/stats/overview", 401, 12105, { ...at, token: fromAlias });
		await ok("GET", "/admin/stats/overview", { ...ALIAS, token: fromV1 });
	});

	it("an action through either base path lands in the same audit log as the same entry", async () => {
		const sup = await superadminToken();
		const banned = await Promise.all(
			BOTH.map(async (at) => {
				const user = await registerUser();
				await ok("POST", `/admin/users/${user.userId}/ban`, { ...at, token: sup, body: { reason: "alias check" } });
				return user;
			}),
		);
		const entries = [];
		for (const user of banned) {
			const views = [];
			for (const at of BOTH) {
				const log = await ok("GET", `/admin/audit-logs?resourceId=${user.userId}`, { ...at, token: sup });
				expect(log.total).toBe(1);
				views.push(log.list[0]);
			}
			// One log, read the same through either base path.
			expect(views[1]).toEqual(views[0]);
			const { id: _id, createdAt: _at, resourceId, ...rest } = views[0];
			expect(resourceId).toBe(user.userId);
			entries.push(rest);
		}
		expect(entries[0]).toMatchObject({ action: "user.ban", resourceType: "user", details: { reason: "alias check" } });
		expect(entries[1]).toEqual(entries[0]);

		// A login through the alias is audited too.
		const token = await loginAt(ALIAS);
		const login = await ok("GET", "/admin/audit-logs?action=auth.login&pageSize=1", { ...V1, token });
		expect(login.list[0]).toMatchObject({ action: "auth.login", resourceType: "admin_user", adminUsername: "admin" });
	});

	it("the login throttle counts failures at both base paths against one account", async () => {
		const username = uniqueName("aliasthrottle");
		await ok("POST", "/admin/admins", {
			...V1,
			token: await superadminToken(),
			body: { username, password: "Str0ngPass1", role: "operator" },
		});
		// LOGIN_MAX_FAILURES is 5 in the tests: neither path alone reaches it.
		for (const at of [ALIAS, ALIAS, ALIAS, V1, V1]) {
			await fails("POST", "/admin/auth/login", 401, 12104, { ...at, body: { username, password: "Wrong0ne!" } });
		}
		for (const at of BOTH) {
			const res = await fails("POST", "/admin/auth/login", 429, 429, {
				...at,
				body: { username, password: "Str0ngPass1" },
			});
			expect(Number(res.headers.get("Retry-After")), at.prefix).toBeGreaterThan(0);
		}
	});

	it("unknown paths, wrong methods and oversized bodies get the same envelope at both base paths", async () => {
		const answers = async (at: { prefix: string }) => {
			const out = [];
			for (const [method, path, opts] of [
				["GET", "/admin/no-such-route", {}],
				["POST", "/admin/users/x/nothing", { body: {} }],
				["GET", "/admin/auth/login", {}],
				["POST", "/admin/auth/login", { raw: "x".repeat(1024 * 1024 + 1), contentType: "application/json" }],
			] as const) {
				// `call` throws on a body that is not JSON (the console's index.html, say).
				const res = await call(method, path, { ...at, ...opts });
				expect(res.headers.get("Content-Type"), `${method} ${at.prefix}${path}`).toMatch(/^application\/json/);
				expect(res.body, `${method} ${at.prefix}${path}`).toEqual({
					code: res.status,
					message: expect.any(String),
					data: null,
				});
				out.push({ status: res.status, allow: res.headers.get("Allow") });
			}
			return out;
		};
		const alias = await answers(ALIAS);
		expect(alias.map((a) => a.status)).toEqual([404, 404, 405, 413]);
		expect(alias[2]!.allow).toContain("POST");
		expect(alias).toEqual(await answers(V1));
		const bare = await call("GET", "/admin", ALIAS);
		expect({ status: bare.status, code: bare.body.code }).toEqual({ status: 404, code: 404 });
	});

	it("the OpenAPI document lists the admin routes once, under /api/v1/admin, and names the alias", () => {
		const paths = Object.keys(committed.paths);
		expect(paths).toContain(`${ADMIN_BASE_PATH}/auth/login`);
		expect(paths.filter((p) => p.startsWith(`${ADMIN_ALIAS_PATH}/`))).toEqual([]);
		expect(committed["x-base-path-aliases"]).toEqual({ [ADMIN_ALIAS_PATH]: ADMIN_BASE_PATH });
		const tag = committed.tags.find((t) => t.name === "admin");
		expect(tag?.description).toContain(`${ADMIN_ALIAS_PATH}/*`);
	});
});
