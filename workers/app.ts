import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ADMIN_ALIAS_PATH, ADMIN_BASE_PATH } from "../contracts/admin";
import { d1Statements } from "../db/client";
import { config, isProduction } from "../domain/config";
import { logError, REQUEST_ID_HEADER } from "../platform/log";
import type { AppEnv } from "./env";
import { ApiError } from "./lib/errors";
import { errorResponse, requestLog } from "./lib/request-log";
import { misconfiguration } from "./lib/secrets";
import { securityHeaders } from "./lib/security-headers";
import { admin } from "./routes/admin";
import { auth } from "./routes/auth";
import { blob, files } from "./routes/files";
import { friends } from "./routes/friends";
import { groups } from "./routes/groups";
import { messages } from "./routes/messages";
import { meta } from "./routes/meta";
import { rtc } from "./routes/rtc";
import { sessions } from "./routes/sessions";
import { sync } from "./routes/sync";
import { users } from "./routes/users";
import { ws } from "./routes/ws";

const MAX_BODY_BYTES = 1024 * 1024;

export const app = new Hono<AppEnv>();

// First, so every response carries its request ID and every request is logged once.
app.use("*", requestLog);
// Next, so its headers land on every response: preflights, refusals and errors included.
app.use("*", securityHeaders);

app.use("*", async (c, next) => {
	const origins = config(c.env).corsOrigins;
	return cors({
		// Credentials are allowed (spec README §1), and browsers refuse `*` with credentials, so an
		// open policy reflects the caller's origin. Safe: the API authenticates by bearer header,
		// never by cookie, so a foreign page gains nothing a token-less request would not.
		origin: origins.includes("*") ? (origin) => origin || "*" : origins,
		credentials: true,
		allowMethods: ["GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"],
		allowHeaders: ["Origin", "Content-Type", "Authorization", "Accept", REQUEST_ID_HEADER],
		exposeHeaders: ["Retry-After", REQUEST_ID_HEADER],
		maxAge: 12 * 3600,
	})(c, next);
});

app.use("*", async (c, next) => {
	const problem = misconfiguration(c.env);
	if (!problem) return next();
	logError("refusing requests: server misconfigured", problem);
	return errorResponse(c, 500, 500, "server misconfigured");
});

const jsonBodyLimit = bodyLimit({
	maxSize: MAX_BODY_BYTES,
	onError: (c) => errorResponse(c, 413, 413, "request body is larger than 1 MiB"),
});
app.use("/api/v1/*", jsonBodyLimit);
// The admin API's alias lies outside /api/v1 and takes the same limit.
app.use(`${ADMIN_ALIAS_PATH}/*`, jsonBodyLimit);

app.get("/health", (c) => {
	// For the bench (bench/run.ts): how many D1 statements the server has run; never in production.
	if (!isProduction(c.env)) c.header("X-D1-Statements", String(d1Statements.count));
	return c.json({ status: "ok", service: "gateway-service" });
});

app.route("/api/v1/auth", auth);
app.route("/api/v1/users", users);
app.route("/api/v1/friends", friends);
app.route("/api/v1/groups", groups);
app.route("/api/v1/ws", ws);
app.route("/api/v1/files", files);
app.route("/api/v1/rtc", rtc);
// The admin API at both base paths: one sub-app mounted twice, so both share every middleware,
// handler, login throttle and audit entry; unknown paths under either reach notFound below.
for (const base of [ADMIN_BASE_PATH, ADMIN_ALIAS_PATH]) app.route(base, admin);
// Signed upload/download URLs of the Worker's own byte route (outside the 1 MiB JSON limit).
app.route("/blob", blob);
app.route("/api/v1/messages", messages);
app.route("/api/v1/sessions", sessions);
app.route("/api/v1/sync", sync);
app.route("/", meta);

/** A path that exists under other methods gets 405 with `Allow`; anything else 404. */
app.notFound((c) => {
	const path = new URL(c.req.url).pathname;
	const allowed = allowedMethods(path);
	if (allowed.length) {
		c.header("Allow", allowed.join(", "));
		return errorResponse(c, 405, 405, `method ${c.req.method} is not allowed on ${path}; use ${allowed.join(", ")}`);
	}
	return errorResponse(c, 404, 404, `no route for ${c.req.method} ${path}`);
});

let routePatterns: { method: string; pattern: RegExp }[] | undefined;

function allowedMethods(path: string): string[] {
	routePatterns ??= app.routes
		.filter((r) => r.method !== "ALL")
		.map((r) => ({
			method: r.method,
			pattern: new RegExp(
				`^${r.path
					.split("/")
					.map((part) =>
						part.startsWith(":") ? "[^/]+" : part === "*" ? ".*" : part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"),
					)
					.join("/")}$`,
			),
		}));
	const methods = new Set(routePatterns.filter((r) => r.pattern.test(path)).map((r) => r.method));
	if (methods.has("GET")) methods.add("HEAD");
	if (methods.size) methods.add("OPTIONS");
	return [...methods];
}

app.onError((err, c) => {
	if (err instanceof ApiError) {
		for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
		return errorResponse(c, err.status, err.code, err.message);
	}
	if (err instanceof HTTPException) {
		const status = err.status as ContentfulStatusCode;
		return errorResponse(c, status, status, err.message || "request failed");
	}
	logError("unhandled error", err, { stack: err instanceof Error ? err.stack : undefined });
	return errorResponse(c, 500, 500, "internal server error");
});
