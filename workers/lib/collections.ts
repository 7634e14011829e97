import type { Env, Hono } from "hono";
import { methodNotAllowed } from "./errors";

const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"];
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Answers the methods a static path does not serve with 405 and an `Allow` header, instead of letting
 * them fall through to a sibling `/:id` route or to the generic 404: without it `DELETE /friends/blacklist`
 * reads as "end the friendship with user 'blacklist'" (404 30117). When `<path>/:x` serves the method,
 * the message names the ID that is missing (`childId`).
 *
 * Register it after the path's own routes and before any param route that could swallow the path
 * (handlers run in registration order; test/routes.test.ts checks the order for the whole app).
 */
export function refuseOtherMethods<E extends Env>(app: Hono<E>, path: string, childId = "ID"): void {
	const child = new RegExp(`^${escapeRegExp(path === "/" ? "" : path)}/:([A-Za-z0-9_]+)$`);
	app.all(path, (c) => {
		const method = c.req.method;
		const allow = METHODS.filter((m) => app.routes.some((r) => r.method === m && r.path === path));
		const full = new URL(c.req.url).pathname.replace(/\/$/, "");
		const childRoute = app.routes.find((r) => r.method === method && child.test(r.path));
		if (childRoute) {
			const param = child.exec(childRoute.path)![1];
			throw methodNotAllowed(`${method} ${full} is missing the ${childId}: use ${method} ${full}/{${param}}`, allow);
		}
		throw methodNotAllowed(`${method} is not allowed on ${full}; allowed: ${allow.join(", ")}`, allow);
	});
}
