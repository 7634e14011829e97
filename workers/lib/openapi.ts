import { z } from "zod";
import { ADMIN_ALIAS_PATH, ADMIN_BASE_PATH } from "../../contracts/admin";
import { ErrorEnvelope } from "../../contracts/common";
import { metaOf, type RouteMeta } from "./validate";

interface RouteEntry {
	method: string;
	path: string;
	handler: unknown;
}

/** One operation of the API, merged from the metadata its middlewares carry. */
export interface Operation extends RouteMeta {
	method: string;
	path: string;
	requests: NonNullable<RouteMeta["request"]>[];
}

/** Every operation of the app, from Hono's route table (the single source). */
export function operations(routes: readonly RouteEntry[]): Operation[] {
	const byKey = new Map<string, Operation>();
	for (const r of routes) {
		if (r.method === "ALL") continue;
		const key = `${r.method} ${r.path}`;
		const op = byKey.get(key) ?? { method: r.method, path: r.path, requests: [] };
		const meta = metaOf(r.handler);
		if (meta) {
			const { request, ...rest } = meta;
			Object.assign(op, rest);
			if (request) op.requests.push(request);
		}
		byKey.set(key, op);
	}
	return [...byKey.values()];
}

const jsonSchema = (schema: z.ZodType, io: "input" | "output") =>
	z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as Record<string, unknown>;

const stripMeta = ({ $schema: _s, ...rest }: Record<string, unknown>) => rest;

export const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

export function buildOpenApi(routes: readonly RouteEntry[], info: { title: string; version: string }) {
	const paths: Record<string, Record<string, unknown>> = {};
	for (const op of operations(routes)) {
		// The admin alias (ADMIN_ALIAS_PATH) is not listed again: `tags` and `x-base-path-aliases` name it.
		if (!op.path.startsWith("/api/v1")) continue;
		const path = toOpenApiPath(op.path);
		const parameters: unknown[] = [];
		for (const name of op.path.match(/:([A-Za-z0-9_]+)/g) ?? []) {
			parameters.push({ name: name.slice(1), in: "path", required: true, schema: { type: "string" } });
		}
		let requestBody: unknown;
		for (const req of op.requests) {
			if (req.target === "query" && req.schema instanceof z.ZodObject) {
				const schema = stripMeta(jsonSchema(req.schema, "input"));
				const props = (schema.properties ?? {}) as Record<string, unknown>;
				const required = new Set((schema.required as string[] | undefined) ?? []);
				for (const [name, s] of Object.entries(props)) {
					parameters.push({ name, in: "query", required: required.has(name), schema: s });
				}
			}
			if (req.target === "json") {
				requestBody = {
					required: !req.optional,
					content: { "application/json": { schema: stripMeta(jsonSchema(req.schema, "input")) } },
				};
			}
		}
		const data = op.response ? stripMeta(jsonSchema(op.response, "output")) : op.raw ? {} : { type: "null" };
		const success = op.raw
			? { description: "success (raw, no envelope)", content: { "application/json": { schema: data } } }
			: {
					description: "success envelope",
					content: {
						"application/json": {
							schema: {
								type: "object",
								required: ["code", "message", "data"],
								properties: { code: { const: 0 }, message: { const: "success" }, data },
							},
						},
					},
				};
		const operation: Record<string, unknown> = {
			summary: op.summary ?? "",
			...(op.description ? { description: op.description } : {}),
			tags: op.tags ?? [],
			operationId: `${op.method.toLowerCase()}${path.replace(/[{}]/g, "").replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ? ch.toUpperCase() : ""))}`,
			...(parameters.length ? { parameters } : {}),
			...(requestBody ? { requestBody } : {}),
			...(op.auth === "user" || op.auth === "admin"
				? { security: [{ [op.auth === "admin" ? "adminBearer" : "bearerAuth"]: [] }] }
				: {}),
			responses: {
				[String(op.status ?? 200)]: success,
				default: {
					description: "error envelope: code is the business code, or the HTTP status when none applies",
					content: { "application/json": { schema: stripMeta(jsonSchema(ErrorEnvelope, "output")) } },
				},
			},
		};
		paths[path] ??= {};
		paths[path]![op.method.toLowerCase()] = operation;
	}
	const sorted = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b)));
	return {
		openapi: "3.1.0",
		info: {
			...info,
			description: `AnyChat Edge REST API. Every response under /api/v1 (and ${ADMIN_ALIAS_PATH}, the admin API's alias: see the admin tag) is the envelope {code, message, data}. Times are Unix seconds; keys are camelCase.`,
		},
		servers: [{ url: "/" }],
		tags: [
			{
				name: "admin",
				description: `Back office: admin accounts, users, groups, stats, audit log, runtime config. Every ${ADMIN_BASE_PATH}/* operation is also served at ${ADMIN_ALIAS_PATH}/* (the admin service's base path, spec admin.md) with the same handlers, authentication, envelope, status codes, login throttle and audit log; only the ${ADMIN_BASE_PATH} paths are listed.`,
			},
		],
		"x-base-path-aliases": { [ADMIN_ALIAS_PATH]: ADMIN_BASE_PATH },
		components: {
			securitySchemes: {
				bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
				adminBearer: { type: "http", scheme: "bearer", bearerFormat: "JWT (admin)" },
			},
		},
		paths: sorted,
	};
}
