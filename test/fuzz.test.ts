import { env, SELF } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { app } from "../workers/app";
import { type Operation, operations } from "../workers/lib/openapi";
import { BASE } from "./fixtures/api";
import {
	arbitraryFor,
	deepJson,
	encodeAny,
	hostileString,
	hostileValue,
	jsonSchemaOf,
	objectArbitrary,
	RAW_SEGMENTS,
} from "./fixtures/hostile";
import { pathParams, RESOURCE_ROUTES } from "./fixtures/route-table";
import { makeFriends, makeGroup } from "./fixtures/social";
import { loginDevice, registerUser } from "./fixtures/users";

/**
 * Property-based fuzzing of every route's body, query and path, derived from the route table
 * and each route's zod request schema. Invariant: never a 5xx, always the envelope (and a
 * success always matches the route's response schema), and afterwards the caller's own data
 * still reads back well-formed. FUZZ_RUNS sets the runs per route (`npm run test:soak`);
 * FUZZ_SEED replays a reported failure.
 */

const settings = env as unknown as { FUZZ_RUNS?: string; FUZZ_SEED?: string };
const RUNS = Math.max(1, Number(settings.FUZZ_RUNS) || 40);
const SEED = settings.FUZZ_SEED ? Number(settings.FUZZ_SEED) : undefined;

const ops = operations(app.routes).filter((op) => op.path.startsWith("/api/v1/"));
const keyOf = (op: Pick<Operation, "method" | "path">) => `${op.method} ${op.path}`;
const byKey = new Map(ops.map((op) => [keyOf(op), op]));
/** Served as is, not in the envelope. */
const NOT_ENVELOPED = new Set(["GET /api/v1/openapi.json"]);

interface HostileRequest {
	/** Path parameter values, already encoded (may be malformed on purpose). */
	path: Record<string, string>;
	query: string;
	body?: { text: string | Uint8Array; contentType?: string };
	/** A short description for failure messages. */
	label: string;
}

interface World {
	token: string;
	/** A second device of the same user, only for the follow-up reads. */
	readerToken: string;
	known: string[];
	params: Record<string, string>;
	body?: unknown;
}

async function buildWorld(op: Operation): Promise<World> {
	const owner = await registerUser();
	const reader = await loginDevice(owner, `reader-${crypto.randomUUID()}`);
	const friend = await registerUser();
	const other = await registerUser();
	await makeFriends(owner, friend);
	const group = await makeGroup(owner, [friend], { name: "fuzz group" });
	const known = [owner.userId, friend.userId, other.userId, group.groupId, owner.deviceId, other.email, "1"];
	const entry = RESOURCE_ROUTES[keyOf(op)];
	let params = Object.fromEntries(pathParams(op.path).map((p) => [p, group.groupId]));
	let body: unknown;
	if (entry) {
		// The owner's own resource, so the fuzz gets past authorization into the handler.
		const scenario = (await entry.scenarios(owner, other)).find((s) => !s.actor);
		if (scenario) ({ params, body } = scenario);
	}
	for (const v of Object.values(params)) known.push(v);
	return { token: owner.token, readerToken: reader.token, known, params, body };
}

const schemaOf = (op: Operation, target: "json" | "query") => op.requests.find((r) => r.target === target)?.schema;

function requestArbitrary(op: Operation, w: World): fc.Arbitrary<HostileRequest> {
	const names = pathParams(op.path);
	const baselinePath = Object.fromEntries(names.map((n) => [n, encodeURIComponent(w.params[n]!)]));
	const pathArb = names.length
		? fc.record(
				Object.fromEntries(
					names.map((n) => [
						n,
						fc.oneof(
							{ weight: 2, arbitrary: fc.constant(baselinePath[n]!) },
							{ weight: 3, arbitrary: hostileString(w.known).map(encodeAny) },
							{ weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
						),
					]),
				),
			)
		: fc.constant({});

	const querySchema = schemaOf(op, "query");
	const queryProps = querySchema ? (jsonSchemaOf(querySchema).properties ?? {}) : {};
	const edges = fc.constantFrom("-1", "0", "-9223372036854775808", "9223372036854775807");
	const pair = (name: string) =>
		fc
			.oneof(
				hostileString(w.known),
				edges,
				// The field's own type at its bounds (e.g. a keyword of exactly maxLength).
				arbitraryFor(queryProps[name] ?? {}, w.known).map((v) => (typeof v === "string" ? v : JSON.stringify(v))),
			)
			.map((v) => `${encodeAny(name)}=${encodeAny(String(v))}`);
	const queryArb = fc.oneof(
		{ weight: 1, arbitrary: fc.constant("") },
		{
			weight: 4,
			arbitrary: fc
				.array(
					fc.oneof(
						{ weight: 3, arbitrary: fc.constantFrom(...Object.keys(queryProps), "page", "pageSize").chain(pair) },
						{ weight: 1, arbitrary: hostileString().chain(pair) },
					),
					{ maxLength: 5 },
				)
				.map((parts) => parts.join("&")),
		},
		{ weight: 1, arbitrary: fc.constantFrom("%", "a=%E0%A4%A", "=&=&", "a[b]=1&a[c]=2", "page[]=1&page[]=2") },
	);

	const bodySchema = schemaOf(op, "json");
	type Body = NonNullable<HostileRequest["body"]>;
	const json = (v: unknown): Body => ({ text: JSON.stringify(v) });
	const bodyJsonSchema = bodySchema ? jsonSchemaOf(bodySchema) : {};
	const fields = Object.entries(bodyJsonSchema.properties ?? {});
	// One field hostile and nothing else wrong: the value reaches the handler whenever the
	// rest of the body is acceptable (partial updates, or the scenario's valid body).
	const oneField = fields.length
		? fc
				.constantFrom(...fields)
				.chain(([k, schema]) => arbitraryFor(schema, w.known).map((v) => ({ [k]: v })))
				.chain((patch) => fc.constantFrom(patch, { ...(w.body && typeof w.body === "object" ? w.body : {}), ...patch }))
		: objectArbitrary({}, w.known);
	const bodyArb = fc.oneof(
		{ weight: 4, arbitrary: objectArbitrary(bodyJsonSchema, w.known).map(json) },
		{ weight: 4, arbitrary: oneField.map(json) },
		{ weight: 1, arbitrary: hostileValue(w.known).map(json) },
		{
			weight: 2,
			arbitrary: fc
				.constantFrom(
					"",
					"{",
					'{"a":',
					"null",
					"[]",
					'"s"',
					"1e999",
					'{"a":1e999,"b":-1e999}',
					'{"a":1,"a":2}',
					'{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}}}',
					"\uFEFF{}",
					deepJson(20_000, "array"),
					deepJson(20_000, "object"),
					JSON.stringify({ a: "A".repeat(1_100_000) }),
				)
				.map((text): Body => ({ text })),
		},
		{ weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes): Body => ({ text: bytes })) },
		{
			weight: 1,
			arbitrary: fc
				.tuple(objectArbitrary({}, w.known), fc.constantFrom("text/plain", "application/x-www-form-urlencoded", ""))
				.map(([v, contentType]): Body => ({ text: JSON.stringify(v), contentType })),
		},
	);
	const baselineBody = w.body === undefined ? undefined : json(w.body);
	const hasBody = op.method !== "GET" && op.method !== "HEAD";

	return fc
		.record({
			path: fc.oneof(fc.constant(baselinePath), pathArb),
			query: queryArb,
			body: hasBody ? fc.oneof(fc.constant<Body | undefined>(baselineBody), bodyArb) : fc.constant(undefined),
		})
		.map(
			(r): HostileRequest => ({
				...r,
				label: JSON.stringify({
					path: r.path,
					query: r.query.slice(0, 200),
					body: typeof r.body?.text === "string" ? r.body.text.slice(0, 200) : r.body && `bytes ${r.body.text}`,
					contentType: r.body?.contentType,
				}),
			}),
		);
}

async function sendHostile(op: Operation, token: string, r: HostileRequest) {
	const path = op.path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => r.path[name]!);
	const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
	let body: BodyInit | undefined;
	if (r.body) {
		body = r.body.text;
		const type = r.body.contentType ?? "application/json";
		if (type) headers["Content-Type"] = type;
	}
	const res = await SELF.fetch(`${BASE}${path}${r.query ? `?${r.query}` : ""}`, { method: op.method, headers, body });
	return { res, text: await res.text() };
}

function expectEnvelope(what: string, status: number, contentType: string | null, text: string, response?: z.ZodType) {
	expect(status, `${what} → ${status}: ${text.slice(0, 300)}`).toBeLessThan(500);
	expect(contentType ?? "", `${what}: content type`).toMatch(/^application\/json/);
	let body: any;
	try {
		body = JSON.parse(text);
	} catch {
		throw new Error(`${what} → ${status}: not JSON: ${text.slice(0, 300)}`);
	}
	expect(Object.keys(body).sort(), what).toEqual(["code", "data", "message"]);
	expect(Number.isInteger(body.code) && typeof body.message === "string", what).toBe(true);
	if (status === 200) {
		expect(body.code, what).toBe(0);
		if (response) {
			const parsed = response.safeParse(body.data);
			expect(parsed.success, `${what}: data does not match the response schema: ${parsed.error?.message}`).toBe(true);
		}
	} else {
		expect(body.code, what).not.toBe(0);
		expect(body.data, what).toBeNull();
	}
}

/** The caller's own data, read back after the fuzz: must be well-formed by the contract. */
async function expectReadable(token: string) {
	for (const key of [
		"GET /api/v1/users/me",
		"GET /api/v1/users/me/settings",
		"GET /api/v1/friends",
		"GET /api/v1/groups",
	]) {
		const op = byKey.get(key);
		if (!op) throw new Error(`follow-up read ${key} is not in the route table`);
		const res = await SELF.fetch(`${BASE}${op.path}`, { headers: { Authorization: `Bearer ${token}` } });
		const text = await res.text();
		expect(res.status, `${key}: ${text.slice(0, 300)}`).toBe(200);
		expectEnvelope(`follow-up ${key}`, res.status, res.headers.get("Content-Type"), text, op.response);
	}
}

describe("hostile input", () => {
	it("fuzzes every API route", () => {
		expect(ops.length).toBeGreaterThan(25);
	});

	it.each(ops.map((op) => [keyOf(op), op] as const))(
		"%s: never a 5xx, always the envelope, state stays readable",
		async (key, op) => {
			const w = await buildWorld(op);
			await fc.assert(
				fc.asyncProperty(requestArbitrary(op, w), async (r) => {
					const { res, text } = await sendHostile(op, w.token, r);
					const what = `${key} ${r.label}`;
					if (NOT_ENVELOPED.has(key)) expect(res.status, what).toBeLessThan(500);
					else expectEnvelope(what, res.status, res.headers.get("Content-Type"), text, op.response);
				}),
				{ numRuns: RUNS, endOnFailure: true, seed: SEED },
			);
			await expectReadable(w.readerToken);
		},
	);
});
