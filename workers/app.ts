import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { config } from "./config";
import type { AppEnv } from "./env";
import { errorBody } from "./lib/envelope";
import { ApiError } from "./lib/errors";
import { misconfiguration } from "./lib/secrets";
import { securityHeaders } from "./lib/security-headers";
import { auth } from "./routes/auth";
import { friends } from "./routes/friends";
import { groups } from "./routes/groups";
import { meta } from "./routes/meta";
import { users } from "./routes/users";
import { ws } from "./routes/ws";

const MAX_BODY_BYTES = 1024 * 1024;

export const app = new Hono<AppEnv>();

// First, so its headers land on every response: preflights, refusals and errors included.
app.use("*", securityHeaders);

app.use("*", async (c, next) => {
	const origins = config(c.env).corsOrigins;
	return cors({
		origin: origins.includes("*") ? "*" : origins,
		allowMethods: ["GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"],
		allowHeaders: ["Origin", "Content-Type", "Authorization", "Accept"],
		maxAge: 12 * 3600,
	})(c, next);
});

app.use("*", async (c, next) => {
	const problem = misconfiguration(c.env);
	if (!problem) return next();
	console.error("refusing requests: server misconfigured:", problem);
	return c.json(errorBody(500, "server misconfigured"), 500);
});

app.use(
	"/api/v1/*",
	bodyLimit({
		maxSize: MAX_BODY_BYTES,
		onError: (c) => c.json(errorBody(413, "request body is larger than 1 MiB"), 413),
	}),
);

app.get("/health", (c) => c.json({ status: "ok", service: "gateway-service" }));

app.route("/api/v1/auth", auth);
app.route("/api/v1/users", users);
app.route("/api/v1/friends", friends);
app.route("/api/v1/groups", groups);
app.route("/api/v1/ws", ws);
app.route("/", meta);

app.notFound((c) => c.json(errorBody(404, `no route for ${c.req.method} ${new URL(c.req.url).pathname}`), 404));

app.onError((err, c) => {
	if (err instanceof ApiError) {
		for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
		return c.json(errorBody(err.code, err.message), err.status);
	}
	if (err instanceof HTTPException) {
		const status = err.status as ContentfulStatusCode;
		return c.json(errorBody(status, err.message || "request failed"), status);
	}
	console.error(
		"unhandled error",
		c.req.method,
		new URL(c.req.url).pathname,
		err instanceof Error ? err.stack : String(err),
	);
	return c.json(errorBody(500, "internal server error"), 500);
});
