import { describe, expect, it } from "vitest";
import { ApiError } from "../errors";
import { Http, memoryTokenStore } from "../http";

type Handler = (req: Request) => Response | Promise<Response>;
const json = (status: number, body: unknown) =>
	new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const env = (data: unknown) => json(200, { code: 0, message: "success", data });

function http(handler: Handler, tokens = memoryTokenStore()) {
	const seen: Request[] = [];
	const client = new Http({
		baseUrl: "http://api.test/",
		tokens,
		fetch: async (input, init) => {
			const req = new Request(input as string, init);
			seen.push(req.clone());
			return handler(req);
		},
	});
	return { client, seen };
}

describe("Http", () => {
	it("unwraps the envelope and builds query strings without undefined values", async () => {
		const { client, seen } = http(() => env({ list: [1], total: 1 }));
		expect(await client.request("GET", "/friends", { query: { page: 2, keyword: undefined } })).toEqual({
			list: [1],
			total: 1,
		});
		expect(seen[0]!.url).toBe("http://api.test/api/v1/friends?page=2");
	});

	it("turns an error envelope into an ApiError with business code and status", async () => {
		const { client } = http(() => json(409, { code: 30104, message: "already friends", data: null }));
		const e = await client.request("POST", "/friends/requests", { body: {} }).catch((x) => x);
		expect(e).toBeInstanceOf(ApiError);
		expect(e).toMatchObject({ code: 30104, status: 409, message: "already friends" });
	});

	it("reports a non-envelope failure and a network failure in words", async () => {
		const bad = http(() => new Response("<html>gateway</html>", { status: 502, statusText: "Bad Gateway" }));
		await expect(bad.client.request("GET", "/x")).rejects.toMatchObject({ code: 502, status: 502 });
		const down = http(() => {
			throw new TypeError("fetch failed");
		});
		await expect(down.client.request("GET", "/x")).rejects.toMatchObject({
			code: 0,
			status: 0,
			message: "fetch failed",
		});
	});

	it("refreshes once on 401, stores the rotated pair and retries; concurrent calls share the refresh", async () => {
		let refreshes = 0;
		const tokens = memoryTokenStore({ accessToken: "old", refreshToken: "r1", expiresAt: 0 });
		const { client, seen } = http(async (req) => {
			const path = new URL(req.url).pathname;
			if (path === "/api/v1/auth/refresh") {
				refreshes++;
				expect(await req.json()).toEqual({ refreshToken: "r1" });
				return env({ accessToken: "new", refreshToken: "r2", expiresIn: 7200 });
			}
			return req.headers.get("Authorization") === "Bearer new"
				? env({ ok: path })
				: json(401, { code: 10003, message: "token expired", data: null });
		}, tokens);
		const results = await Promise.all([client.request("GET", "/a"), client.request("GET", "/b")]);
		expect(results).toEqual([{ ok: "/api/v1/a" }, { ok: "/api/v1/b" }]);
		expect(refreshes).toBe(1);
		expect(tokens.get()).toMatchObject({ accessToken: "new", refreshToken: "r2" });
		expect(seen.filter((r) => r.url.endsWith("/auth/refresh"))).toHaveLength(1);
	});

	it("ends the session when the refresh token is refused", async () => {
		let expired = 0;
		const tokens = memoryTokenStore({ accessToken: "old", refreshToken: "reused", expiresAt: 0 });
		const client = new Http({
			baseUrl: "http://api.test",
			tokens,
			onSessionExpired: () => expired++,
			fetch: async () => json(401, { code: 10004, message: "refresh token reused", data: null }),
		});
		await expect(client.request("GET", "/users/me")).rejects.toMatchObject({ status: 401 });
		expect(tokens.get()).toBeNull();
		expect(expired).toBe(1);
	});

	it("sends no Authorization header on unauthenticated calls and uses an explicit token when given", async () => {
		const { client, seen } = http(
			() => env(null),
			memoryTokenStore({ accessToken: "user", refreshToken: "r", expiresAt: 0 }),
		);
		await client.request("POST", "/auth/login", { body: {}, auth: false });
		await client.request("GET", "/admin/stats/overview", { token: "admin-token" });
		expect(seen[0]!.headers.get("Authorization")).toBeNull();
		expect(seen[1]!.headers.get("Authorization")).toBe("Bearer admin-token");
	});
});
