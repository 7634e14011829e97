import type { MiddlewareHandler } from "hono";
import type { z } from "zod";
import { ApiError, badRequest } from "./errors";

type Target = "json" | "query" | "param";

/** Metadata a middleware carries for the OpenAPI generator and the route-table tests. */
export interface RouteMeta {
	summary?: string;
	description?: string;
	tags?: string[];
	response?: z.ZodType;
	/** Who may call the route: "user" (access token), "admin" (admin token) or "public". */
	auth?: "user" | "admin" | "public";
	/** Success status, when not 200. */
	status?: number;
	/** The success body is `response` itself, not wrapped in the envelope (e.g. the OpenAPI document). */
	raw?: boolean;
	request?: { target: Target; schema: z.ZodType; optional?: boolean };
}

export const META = Symbol.for("anychat.routeMeta");
type WithMeta = { [META]?: RouteMeta };

export const withMeta = <F extends object>(fn: F, meta: RouteMeta): F => Object.assign(fn, { [META]: meta });
export const metaOf = (fn: unknown): RouteMeta | undefined => (fn as WithMeta | undefined)?.[META];

/** Documentation only: summary, tags and the shape of `data` in the success envelope. */
export const doc = (meta: Omit<RouteMeta, "request" | "auth">): MiddlewareHandler =>
	withMeta(async (_c, next) => next(), meta);

const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;

const JSON_KINDS = new Set(["string", "number", "boolean", "object", "array", "null"]);
const jsonType = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

function describeIssue(target: Target, issue: z.core.$ZodIssue): string {
	const path = issue.path.map(String).join(".");
	const where = path || (target === "json" ? "body" : target);
	if (issue.code === "invalid_type" && path) {
		if (issue.input === undefined) return `${where} is required`;
		// A JSON value of the wrong type is not a missing field, whatever the schema's own text says.
		const got = jsonType(issue.input);
		if (target === "json" && JSON_KINDS.has(issue.expected) && got !== issue.expected) {
			return `${where} must be ${issue.expected === "array" || issue.expected === "object" ? "an" : "a"} ${issue.expected}, not ${got}`;
		}
	}
	if (issue.code === "unrecognized_keys") return `${where}: unknown field ${issue.keys.join(", ")}`;
	return issue.message.startsWith(path) && path ? issue.message : `${where}: ${issue.message}`;
}

/**
 * The one validator wrapper: checks content type and JSON syntax (json target), runs the zod
 * schema and turns the first problem into a 400 envelope that names the field.
 */
export function validate<T extends Target, S extends z.ZodType>(
	target: T,
	schema: S,
	options: { optional?: boolean } = {},
) {
	const mw: MiddlewareHandler = async (c, next) => {
		let input: unknown;
		if (target === "json") input = await readJsonBody(c.req.raw, options.optional ?? false);
		else if (target === "query")
			input = Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => [k, v.length === 1 ? v[0] : v]));
		else input = c.req.param();
		// reportInput: the issue carries the value, so a wrong type is told apart from a missing field.
		const parsed = await schema.safeParseAsync(input, { reportInput: true });
		if (!parsed.success) throw badRequest(describeIssue(target, parsed.error.issues[0]!));
		c.req.addValidatedData(target, parsed.data as object);
		await next();
	};
	return withMeta(
		mw as MiddlewareHandler<any, string, { in: { [K in T]: z.input<S> }; out: { [K in T]: z.output<S> } }>,
		{ request: { target, schema, optional: options.optional } },
	);
}

async function readJsonBody(req: Request, optional: boolean): Promise<unknown> {
	// Bytes, not req.text(): a body of another type or invalid UTF-8 is refused, not guessed at.
	let text = "";
	if (req.body) {
		try {
			text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(await req.arrayBuffer());
		} catch {
			throw badRequest("request body is not valid UTF-8");
		}
	}
	if (text.trim() === "") {
		if (optional) return {};
		throw badRequest("request body is required (a JSON object)");
	}
	const type = (req.headers.get("Content-Type") ?? "").split(";")[0]!.trim();
	if (!JSON_TYPE.test(type)) throw new ApiError(400, 400, "Content-Type must be application/json");
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		throw badRequest("malformed JSON in request body");
	}
	if (value === null || typeof value !== "object" || Array.isArray(value))
		throw badRequest("body must be a JSON object");
	return value;
}
