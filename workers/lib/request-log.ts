import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { errorBody } from "../../domain/envelope";
import { logLine, REQUEST_ID_HEADER, withRequestId } from "../../platform/log";
import { requestPoint } from "../../platform/metrics";
import type { AppEnv } from "../env";

/** A client's own request ID is kept when it looks like one; anything else is replaced, never echoed. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** The route of a request that matched none (404, 405, CORS preflight): one value, not the raw path. */
export const UNMATCHED_ROUTE = "(unmatched)";

/**
 * The first middleware: gives the request its ID (`X-Request-Id` on every response, errors and
 * upgrades included), runs everything after it under that ID (so error lines of the Worker carry
 * it), then writes one JSON line and one metrics datapoint for the request. The line has no
 * path, query, header or body: tokens travel in the WebSocket query and the Authorization header.
 */
export const requestLog: MiddlewareHandler<AppEnv> = async (c, next) => {
	const sent = c.req.header(REQUEST_ID_HEADER);
	const requestId = sent && CLIENT_REQUEST_ID.test(sent) ? sent : crypto.randomUUID();
	c.set("requestId", requestId);
	const started = Date.now();
	await withRequestId(requestId, next);
	const durationMs = Date.now() - started;
	c.res.headers.set(REQUEST_ID_HEADER, requestId);
	const route = routeOf(c);
	const status = c.res.status;
	logLine({
		requestId,
		method: c.req.method,
		route,
		status,
		durationMs,
		userId: c.get("auth")?.userId,
		adminId: (c.var as { admin?: { adminId: string } }).admin?.adminId,
		errorCode: c.get("errorCode"),
	});
	requestPoint(c.env, { route, method: c.req.method, status, durationMs });
};

/** The request's ID (set by `requestLog`), for the objects the request calls. */
export const requestIdOf = (c: Context<AppEnv>): string | undefined => c.get("requestId");

/**
 * An error envelope response that also records its code for the request's log line. Every
 * error the app answers goes through here or through `app.onError` (which uses it).
 */
export function errorResponse(c: Context, status: ContentfulStatusCode, code: number, message: string): Response {
	c.set("errorCode", code);
	return c.json(errorBody(code, message), status);
}

/**
 * The pattern of the route that answered. When a wildcard middleware answered (an auth refusal,
 * a CORS preflight), the route the request was headed for: the last matched one bound to its
 * method (wildcard middleware is bound to ALL); none for a request no route serves.
 */
function routeOf(c: Context<AppEnv>): string {
	const routes = matchedRoutes(c);
	const answered = routes[c.req.routeIndex];
	if (answered && !answered.path.endsWith("*")) return answered.path;
	for (let i = routes.length - 1; i >= 0; i--) if (routes[i]!.method !== "ALL") return routes[i]!.path;
	return UNMATCHED_ROUTE;
}
