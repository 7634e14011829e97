import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { app } from "../workers/app";
import { type Operation, operations } from "../workers/lib/openapi";
import { superadminToken } from "./fixtures/admin";
import { BASE } from "./fixtures/api";
import { registerUser } from "./fixtures/users";

type JsonSchema = {
	type?: string | string[];
	anyOf?: JsonSchema[];
	oneOf?: JsonSchema[];
	properties?: Record<string, JsonSchema>;
	required?: string[];
	examples?: unknown[];
	enum?: unknown[];
	const?: unknown;
	format?: string;
	minimum?: number;
	maximum?: number;
	minLength?: number;
	default?: unknown;
};

const toJsonSchema = (schema: z.ZodType) =>
	z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;

/** Every JSON type a property accepts. */
function typesOf(s: JsonSchema): Set<string> {
	const out = new Set<string>();
	for (const alt of [s, ...(s.anyOf ?? []), ...(s.oneOf ?? [])]) {
		const t = alt.type;
		if (Array.isArray(t)) for (const x of t) out.add(x);
		else if (t) out.add(t);
		if (alt.enum) for (const v of alt.enum) out.add(v === null ? "null" : typeof v);
		if (alt.const !== undefined) out.add(alt.const === null ? "null" : typeof alt.const);
	}
	if (out.has("integer")) out.add("number");
	return out;
}

/** A valid value for a property: its example, enum, const or a plain value of its type. */
function sampleOf(s: JsonSchema): unknown {
	if (s.examples?.length) return s.examples[0];
	if (s.enum?.length) return s.enum[0];
	if (s.const !== undefined) return s.const;
	if (s.anyOf?.length) return sampleOf(s.anyOf[0]!);
	const t = Array.isArray(s.type) ? s.type[0] : s.type;
	if (t === "boolean") return true;
	if (t === "integer" || t === "number") return s.minimum ?? 1;
	if (t === "array") return [];
	if (t === "object") return {};
	if (s.format === "email") return "sample@example.com";
	return "x".repeat(Math.max(1, s.minLength ?? 1));
}

/** The required fields with valid values: the body every field-level case starts from. */
function validBody(schema: JsonSchema): Record<string, unknown> {
	const body: Record<string, unknown> = {};
	for (const name of schema.required ?? []) body[name] = sampleOf(schema.properties![name]!);
	return body;
}

interface BadBody {
	name: string;
	raw: string | Uint8Array;
	contentType?: string | null;
	/** The field the 400 message must name. */
	field?: string;
}

const json = (v: unknown) => JSON.stringify(v);

/** Twenty-odd bodies no route may accept: broken JSON, wrong media types, wrong shapes, and per field. */
function badBodies(op: Operation): BadBody[] {
	const request = op.requests.find((r) => r.target === "json")!;
	const schema = toJsonSchema(request.schema);
	const valid = validBody(schema);
	const parsed = request.schema.safeParse(valid);
	expect(
		parsed.success,
		`${op.method} ${op.path}: no valid sample body (${parsed.error?.message}); add .meta({ examples }) to its fields`,
	).toBe(true);
	const cases: BadBody[] = [
		{ name: "truncated JSON", raw: "{" },
		{ name: "trailing comma", raw: '{"a":1,}' },
		{ name: "single quotes", raw: "{'a': 1}" },
		{ name: "garbage after the object", raw: `${json(valid)} trailing` },
		{ name: "two objects", raw: `${json(valid)}${json(valid)}` },
		{ name: "not UTF-8", raw: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) },
		{ name: "deeply nested arrays", raw: `${"[".repeat(100_000)}${"]".repeat(100_000)}` },
		{ name: "array", raw: "[]" },
		{ name: "array of the valid body", raw: json([valid]) },
		{ name: "null", raw: "null" },
		{ name: "number", raw: "42" },
		{ name: "string", raw: '"body"' },
		{ name: "boolean", raw: "true" },
		{ name: "text/plain", raw: json(valid), contentType: "text/plain" },
		{ name: "form-urlencoded", raw: "a=1&b=2", contentType: "application/x-www-form-urlencoded" },
		{ name: "multipart", raw: "--x\r\n\r\n--x--", contentType: "multipart/form-data; boundary=x" },
		{ name: "no content type", raw: json(valid), contentType: null },
	];
	if (!request.optional) cases.push({ name: "empty body", raw: "" });
	for (const [field, prop] of Object.entries(schema.properties ?? {})) {
		const types = typesOf(prop);
		const withField = (value: unknown, what: string) =>
			cases.push({ name: `${field}: ${what}`, raw: json({ ...valid, [field]: value }), field });
		if (!types.has("null")) withField(null, "null");
		if (!types.has("object")) withField({ nested: true }, "object");
		if (!types.has("array")) withField(["x"], "array");
		if (!types.has("string")) withField("not-a-number", "string");
		if (!types.has("number")) withField(12345, "number");
		if (!types.has("boolean")) withField(true, "boolean");
		if (types.has("string")) withField("x".repeat(200_000), "huge string");
		if (types.has("integer") && !types.has("string")) withField(1.5, "fraction");
		if (typeof prop.maximum === "number") withField(prop.maximum + 1, "above maximum");
		if (typeof prop.minimum === "number") withField(prop.minimum - 1, "below minimum");
		if (schema.required?.includes(field)) {
			const { [field]: _omit, ...rest } = valid;
			cases.push({ name: `${field}: missing`, raw: json(rest), field });
		}
	}
	return cases;
}

const jsonRoutes = operations(app.routes).filter((op) => op.requests.some((r) => r.target === "json"));

async function send(op: Operation, token: string | undefined, bad: BadBody) {
	const headers: Record<string, string> = {};
	if (token) headers.Authorization = `Bearer ${token}`;
	if (bad.contentType !== null) headers["Content-Type"] = bad.contentType ?? "application/json";
	// Path parameters get values their own schema accepts, so only the body is wrong.
	const paramSchema = op.requests.find((r) => r.target === "param")?.schema;
	const params = paramSchema ? (toJsonSchema(paramSchema).properties ?? {}) : {};
	const path = op.path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) =>
		encodeURIComponent(String(params[name] ? sampleOf(params[name]!) : `malformed-test-${name}`)),
	);
	return SELF.fetch(`${BASE}${path}`, { method: op.method, headers, body: bad.raw });
}

describe("malformed bodies on every route with a JSON body", () => {
	it("the route table has JSON write routes to test", () => {
		expect(jsonRoutes.map((op) => `${op.method} ${op.path}`)).toEqual(
			expect.arrayContaining([
				"POST /api/v1/auth/register",
				"PUT /api/v1/users/me",
				"POST /api/v1/users/me/push-token",
			]),
		);
	});

	for (const op of jsonRoutes) {
		it(`${op.method} ${op.path}: at least 20 malformed bodies, each a 400 envelope`, async () => {
			let token: string | undefined;
			if (op.auth === "user") token = (await registerUser()).token;
			else if (op.auth === "admin") token = await superadminToken();
			const cases = badBodies(op);
			expect(cases.length).toBeGreaterThanOrEqual(20);
			for (const bad of cases) {
				const res = await send(op, token, bad);
				const what = `${op.method} ${op.path} with ${bad.name}`;
				// A huge value may be refused as too large (413) instead of malformed (400).
				expect(bad.name.endsWith("huge string") ? [400, 413] : [400], what).toContain(res.status);
				expect(res.headers.get("Content-Type"), what).toMatch(/^application\/json/);
				const body = (await res.json()) as { code: number; message: string; data: unknown };
				expect(body, what).toEqual({ code: expect.any(Number), message: expect.any(String), data: null });
				expect(body.code, what).not.toBe(0);
				expect(body.message.length, what).toBeGreaterThan(0);
				if (bad.field) expect(body.message, what).toContain(bad.field);
			}
		});
	}
});

describe("HTTP edges", () => {
	const raw = (method: string, path: string, init: RequestInit = {}) =>
		SELF.fetch(`${BASE}${path}`, { method, ...init });

	async function envelope(res: Response, status: number) {
		expect(res.status).toBe(status);
		expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
		const body = (await res.json()) as { code: number; message: string; data: unknown };
		expect(body).toEqual({ code: status, message: expect.any(String), data: null });
		return body;
	}

	it("GET /health", async () => {
		const res = await raw("GET", "/health");
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ status: "ok", service: "gateway-service" });
	});

	it("an unknown route is a 404 envelope", async () => {
		for (const [method, path] of [
			["GET", "/api/v1/nope"],
			["POST", "/api/v1/users/me/nothing"],
			["DELETE", "/api/v1/auth"],
			["GET", "/nope"],
		] as const) {
			const body = await envelope(await raw(method, path), 404);
			expect(body.message).toContain(path);
		}
	});

	it("a wrong method on an existing path is a 405 envelope with Allow", async () => {
		const cases: [string, string, string[]][] = [
			["GET", "/api/v1/auth/login", ["POST"]],
			["DELETE", "/api/v1/users/me", ["GET", "PUT"]],
			["POST", "/api/v1/users/someone", ["GET"]],
			["PATCH", "/api/v1/users/me/settings", ["GET", "PUT"]],
			["POST", "/api/v1/ws", ["GET"]],
		];
		for (const [method, path, expected] of cases) {
			const res = await raw(method, path, method === "GET" ? {} : { body: "{}" });
			await envelope(res, 405);
			const allow = (res.headers.get("Allow") ?? "").split(",").map((m) => m.trim());
			expect(allow, `${method} ${path}`).toEqual(expect.arrayContaining(expected));
			expect(allow).not.toContain(method);
		}
	});

	it("a body over 1 MiB is a 413 envelope, whether sized by Content-Length or chunked", async () => {
		const big = `{"account":"${"a".repeat(1024 * 1024)}"}`;
		const sized = await raw("POST", "/api/v1/auth/login", {
			headers: { "Content-Type": "application/json", "Content-Length": String(big.length) },
			body: big,
		});
		await envelope(sized, 413);

		const bytes = new TextEncoder().encode(big);
		const stream = new ReadableStream<Uint8Array>({
			start(controller) {
				for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.slice(i, i + 64 * 1024));
				controller.close();
			},
		});
		const chunked = await raw("POST", "/api/v1/auth/login", {
			headers: { "Content-Type": "application/json" },
			body: stream,
		});
		expect(chunked.headers.get("Content-Length")).not.toBe(String(bytes.length));
		await envelope(chunked, 413);

		// Just under the limit is read and validated, not refused for its size.
		const under = `{"account":"${"a".repeat(1024 * 1024 - 20)}"}`;
		const res = await raw("POST", "/api/v1/auth/login", {
			headers: { "Content-Type": "application/json" },
			body: under,
		});
		expect(res.status).toBe(400);
	});

	it("answers a CORS preflight with the allowed methods, headers and a 12 h cache", async () => {
		const res = await raw("OPTIONS", "/api/v1/auth/login", {
			headers: {
				Origin: "https://app.example.com",
				"Access-Control-Request-Method": "POST",
				"Access-Control-Request-Headers": "Content-Type, Authorization",
			},
		});
		expect(res.status).toBe(204);
		expect(res.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example.com");
		expect(res.headers.get("Access-Control-Allow-Credentials")).toBe("true");
		const methods = res.headers.get("Access-Control-Allow-Methods")!.split(",");
		expect(methods).toEqual(expect.arrayContaining(["GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]));
		const headers = res.headers.get("Access-Control-Allow-Headers")!.toLowerCase().split(",");
		expect(headers).toEqual(expect.arrayContaining(["origin", "content-type", "authorization", "accept"]));
		expect(res.headers.get("Access-Control-Max-Age")).toBe(String(12 * 3600));
		expect(res.headers.get("Vary")).toMatch(/Origin/);

		const actual = await raw("GET", "/health", { headers: { Origin: "https://app.example.com" } });
		expect(actual.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example.com");
		expect(actual.headers.get("Access-Control-Expose-Headers")).toMatch(/Retry-After/);
		// A browser client can read the request ID to quote it, and send its own.
		expect(actual.headers.get("Access-Control-Expose-Headers")).toMatch(/X-Request-Id/i);
		expect(headers).toContain("x-request-id");

		// Errors carry the CORS headers too, or a browser client could not read why it failed.
		const origin = { Origin: "https://app.example.com" };
		const big = "x".repeat(1024 * 1024 + 1);
		for (const res of [
			await raw("GET", "/api/v1/users/me", { headers: origin }),
			await raw("GET", "/api/v1/nope", { headers: origin }),
			await raw("GET", "/api/v1/auth/login", { headers: origin }),
			await raw("POST", "/api/v1/auth/login", {
				headers: { ...origin, "Content-Type": "application/json" },
				body: "{",
			}),
			await raw("POST", "/api/v1/auth/login", {
				headers: { ...origin, "Content-Type": "application/json" },
				body: big,
			}),
		]) {
			expect(res.status).toBeGreaterThanOrEqual(400);
			expect(res.headers.get("Access-Control-Allow-Origin"), String(res.status)).toBe("https://app.example.com");
		}
	});

	it("sets the security headers on every response", async () => {
		for (const res of [await raw("GET", "/health"), await raw("GET", "/api/v1/nope")]) {
			expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
			expect(res.headers.get("Referrer-Policy")).toBe("no-referrer");
		}
	});
});
