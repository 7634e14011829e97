import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import committed from "../contracts/openapi.json";
import pkg from "../package.json";
import { app } from "../workers/app";
import { buildOpenApi, operations, toOpenApiPath } from "../workers/lib/openapi";
import { BASE } from "./fixtures/api";

const built = () =>
	JSON.parse(JSON.stringify(buildOpenApi(app.routes, { title: "AnyChat Edge", version: pkg.version })));

type Schema = {
	$ref?: string;
	type?: string;
	properties?: Record<string, Schema>;
	required?: string[];
	example?: unknown;
	enum?: unknown[];
	allOf?: Schema[];
};
type Parameter = { name: string; in: string; required?: boolean };
type OpenApiOperation = {
	tags?: string[];
	parameters?: Parameter[];
	requestBody?: { content?: Record<string, { schema?: Schema }> };
	security?: unknown[];
	summary?: string;
	operationId?: string;
};
type OpenApiDoc = {
	servers?: { url: string }[];
	paths: Record<string, Record<string, OpenApiOperation>>;
	components?: { schemas?: Record<string, Schema> };
};

describe("our OpenAPI document", () => {
	it("contracts/openapi.json is up to date with the route table (run `npm run contracts`)", () => {
		expect(committed).toEqual(built());
	});

	it("is served at GET /api/v1/openapi.json", async () => {
		const res = await SELF.fetch(`${BASE}/api/v1/openapi.json`);
		expect(res.status).toBe(200);
		expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
		expect(await res.json()).toEqual(committed);
	});

	it("GET /docs is the HTML reference that loads it", async () => {
		const res = await SELF.fetch(`${BASE}/docs`);
		expect(res.status).toBe(200);
		expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
		const html = await res.text();
		expect(html).toMatch(/^<!doctype html>/i);
		expect(html).toContain('"/api/v1/openapi.json"');
	});

	it("documents every operation: summary, tag, unique operationId, security on protected routes", () => {
		const doc = built() as OpenApiDoc;
		const ids = new Set<string>();
		const ours = operations(app.routes).filter((op) => op.path.startsWith("/api/v1"));
		for (const op of ours) {
			const documented = doc.paths[toOpenApiPath(op.path)]?.[op.method.toLowerCase()];
			const what = `${op.method} ${op.path}`;
			expect(documented, what).toBeDefined();
			expect(documented!.summary, what).toBeTruthy();
			expect(documented!.tags?.length, what).toBeGreaterThan(0);
			expect(ids.has(documented!.operationId!), `${what}: duplicate operationId`).toBe(false);
			ids.add(documented!.operationId!);
			expect(Boolean(documented!.security), `${what}: security`).toBe(op.auth === "user" || op.auth === "admin");
		}
		expect(doc).toMatchObject({ openapi: "3.1.0" });
	});
});

// ---------------------------------------------------------------------------------------------
// Conformance with the upstream AnyChat contract.

/**
 * Upstream request fields we deliberately accept under another name: `"METHOD /path"` (upstream
 * path, params as `{}`) → upstream field → our field. Empty today; every entry must be justified.
 */
const RENAMES: Record<string, Record<string, string>> = {};

/** Upstream example or enum values our schema may refuse on purpose, as `"METHOD /path field"`. Empty today. */
const REFUSED_EXAMPLES = new Set<string>([]);

const normalise = (path: string) => path.replace(/\{[^}]+\}/g, "{}").replace(/\/+$/, "");
/** The area of an operation: the first segment after /api/v1 (auth, users, friends, admin, ...). */
const areaOf = (path: string) => path.replace(/^\/api\/v1\//, "").split("/")[0]!;

interface Finding {
	op: string;
	problem: string;
}

interface OurOperation {
	key: string;
	bodyProps: Set<string>;
	bodyRequired: string[];
	query: Set<string>;
	queryRequired: string[];
	bodySchema?: z.ZodType;
}

function ourOperations(doc: OpenApiDoc): Map<string, OurOperation> {
	const zodBodies = new Map(
		operations(app.routes).map((op) => [
			`${op.method} ${normalise(toOpenApiPath(op.path))}`,
			op.requests.find((r) => r.target === "json")?.schema,
		]),
	);
	const out = new Map<string, OurOperation>();
	for (const [path, ops] of Object.entries(doc.paths)) {
		for (const [method, op] of Object.entries(ops)) {
			const key = `${method.toUpperCase()} ${normalise(path)}`;
			const body = op.requestBody?.content?.["application/json"]?.schema;
			const query = (op.parameters ?? []).filter((p) => p.in === "query");
			out.set(key, {
				key,
				bodyProps: new Set(Object.keys(body?.properties ?? {})),
				bodyRequired: body?.required ?? [],
				query: new Set(query.map((p) => p.name)),
				queryRequired: query.filter((p) => p.required).map((p) => p.name),
				bodySchema: zodBodies.get(key),
			});
		}
	}
	return out;
}

function resolve(upstream: OpenApiDoc, schema: Schema | undefined): Schema {
	if (!schema) return {};
	if (schema.$ref) {
		const name = schema.$ref.replace("#/components/schemas/", "");
		return resolve(upstream, upstream.components?.schemas?.[name]);
	}
	if (schema.allOf) {
		const merged: Schema = { type: "object", properties: {}, required: [] };
		for (const part of schema.allOf.map((s) => resolve(upstream, s))) {
			Object.assign(merged.properties!, part.properties);
			merged.required!.push(...(part.required ?? []));
		}
		return merged;
	}
	return schema;
}

/**
 * What a client written against the upstream contract would hit with us: in every area we
 * implement, each upstream operation must exist here, accept every upstream body field and
 * query parameter, require nothing upstream does not send, and accept upstream's example and
 * enum values.
 */
function conformance(upstream: OpenApiDoc, ours: Map<string, OurOperation>): Finding[] {
	const base = new URL(upstream.servers?.[0]?.url ?? "/api/v1", "http://x").pathname.replace(/\/$/, "");
	const implemented = new Set([...ours.keys()].map((k) => areaOf(k.split(" ")[1]!)));
	const findings: Finding[] = [];
	for (const [rawPath, ops] of Object.entries(upstream.paths)) {
		const path = normalise(`${base}${rawPath}`);
		if (!implemented.has(areaOf(path))) continue;
		for (const [method, op] of Object.entries(ops)) {
			const key = `${method.toUpperCase()} ${path}`;
			const add = (problem: string) => findings.push({ op: key, problem });
			const mine = ours.get(key);
			if (!mine) {
				add("operation is missing");
				continue;
			}
			const renames = RENAMES[key] ?? {};
			const ourName = (field: string) => renames[field] ?? field;

			const body = resolve(upstream, op.requestBody?.content?.["application/json"]?.schema);
			const props = Object.entries(body.properties ?? {});
			for (const [field] of props) {
				if (!mine.bodyProps.has(ourName(field))) add(`body field ${field} is not accepted`);
			}
			const upstreamBodyFields = new Set(props.map(([f]) => ourName(f)));
			for (const field of mine.bodyRequired) {
				if (props.length && !upstreamBodyFields.has(field))
					add(`we require body field ${field}, upstream never sends it`);
			}
			const upstreamQuery = (op.parameters ?? []).filter((p) => p.in === "query");
			for (const p of upstreamQuery) {
				if (!mine.query.has(ourName(p.name))) add(`query parameter ${p.name} is not accepted`);
			}
			const upstreamQueryNames = new Set(upstreamQuery.map((p) => ourName(p.name)));
			for (const name of mine.queryRequired) {
				if (!upstreamQueryNames.has(name)) add(`we require query parameter ${name}, upstream never sends it`);
			}

			// Upstream's own example body, then each enum value in turn, must pass our validation.
			if (mine.bodySchema && props.length) {
				const example: Record<string, unknown> = {};
				for (const [field, s] of props) {
					const prop = resolve(upstream, s);
					if (prop.example !== undefined) example[ourName(field)] = prop.example;
				}
				const variants: [string, Record<string, unknown>][] = [["example", example]];
				for (const [field, s] of props) {
					for (const value of resolve(upstream, s).enum ?? []) {
						variants.push([`${field}=${JSON.stringify(value)}`, { ...example, [ourName(field)]: value }]);
					}
				}
				for (const [what, candidate] of variants) {
					const result = mine.bodySchema.safeParse(candidate);
					// Only values upstream gives count; a field without an example is simply absent.
					const refused = (result.error?.issues ?? []).find((i) => String(i.path[0]) in candidate);
					if (refused && !REFUSED_EXAMPLES.has(`${key} ${String(refused.path[0])}`)) {
						add(`upstream ${what} body is refused: ${refused.message}`);
					}
				}
			}
		}
	}
	return findings;
}

const upstreamText = env.UPSTREAM_OPENAPI;

describe("conformance checker", () => {
	const ours = () => ourOperations(built() as OpenApiDoc);
	const fake = (paths: OpenApiDoc["paths"]): OpenApiDoc => ({ servers: [{ url: "//h/api/v1" }], paths });

	it("reports a missing operation only in an area we implement", () => {
		const findings = conformance(
			fake({
				"/users/{id}/avatar-history": { get: {} },
				"/galaxies": { get: {} },
				"/users/{someOtherName}": { get: {} },
			}),
			ours(),
		);
		expect(findings).toEqual([{ op: "GET /api/v1/users/{}/avatar-history", problem: "operation is missing" }]);
	});

	it("reports upstream fields and query parameters we do not accept, and fields we require beyond them", () => {
		const findings = conformance(
			fake({
				"/auth/logout": {
					post: {
						requestBody: {
							content: { "application/json": { schema: { properties: { deviceId: {}, everywhere: {} } } } },
						},
					},
				},
				"/users/search": {
					get: {
						parameters: [
							{ name: "keyword", in: "query" },
							{ name: "sort", in: "query" },
						],
					},
				},
				"/auth/refresh": {
					post: { requestBody: { content: { "application/json": { schema: { properties: { token: {} } } } } } },
				},
			}),
			ours(),
		);
		expect(findings.map((f) => `${f.op}: ${f.problem}`).sort()).toEqual(
			[
				"POST /api/v1/auth/logout: body field everywhere is not accepted",
				"GET /api/v1/users/search: query parameter sort is not accepted",
				"POST /api/v1/auth/refresh: body field token is not accepted",
				"POST /api/v1/auth/refresh: we require body field refreshToken, upstream never sends it",
			].sort(),
		);
	});

	it("reports upstream example and enum values our validation refuses", () => {
		const findings = conformance(
			fake({
				"/users/me": {
					put: {
						requestBody: {
							content: {
								"application/json": {
									schema: { properties: { gender: { enum: [0, 1, 2, 9] }, region: { example: "Paris" } } },
								},
							},
						},
					},
				},
			}),
			ours(),
		);
		expect(findings).toEqual([
			{ op: "PUT /api/v1/users/me", problem: expect.stringMatching(/^upstream gender=9 body is refused: .*gender/) },
		]);
	});
});

describe.skipIf(!upstreamText)(
	upstreamText
		? "conformance with the upstream contract (../shared/contracts/http/openapi.json)"
		: "conformance with the upstream contract — SKIPPED: ../shared/contracts/http/openapi.json is not there",
	() => {
		const upstream = JSON.parse(upstreamText ?? "{}") as OpenApiDoc;

		it("implements every upstream operation of the areas we serve, accepting its request fields", () => {
			const findings = conformance(upstream, ourOperations(built() as OpenApiDoc));
			expect(findings.map((f) => `${f.op}: ${f.problem}`)).toEqual([]);
		});

		it("covers the foundation's areas: auth, users and the live channel", () => {
			const ours = ourOperations(built() as OpenApiDoc);
			for (const area of ["auth", "users", "ws"]) {
				expect(
					[...ours.keys()].some((k) => areaOf(k.split(" ")[1]!) === area),
					area,
				).toBe(true);
			}
			expect(Object.keys(upstream.paths).length).toBeGreaterThan(0);
		});
	},
);

if (!upstreamText) {
	console.warn(
		"[contract] upstream conformance skipped: ../shared/contracts/http/openapi.json is not there (see vitest.config.ts)",
	);
}
