import { Hono } from "hono";
import { z } from "zod";
import { IDENTITY_HEADER } from "../../domain/identity";
import { REQUEST_ID_HEADER } from "../../platform/log";
import { hubFor } from "../../platform/stubs";
import type { AppEnv } from "../env";
import { authenticate } from "../lib/auth";
import { ApiError, unauthorized } from "../lib/errors";
import { requestIdOf } from "../lib/request-log";
import { doc, validate, withMeta } from "../lib/validate";

export const ws = new Hono<AppEnv>();

ws.get(
	"/",
	withMeta(async (_c, next) => next(), { auth: "user" }),
	doc({
		summary:
			"Open the live channel (WebSocket upgrade). Token in the query. Subprotocol `anychat` (JSON text frames, the default) or `anychat.pb` (the same frames as protobuf binary messages); the first one offered is echoed. Frames and notification types: contracts/asyncapi.yaml; protobuf: contracts/proto/.",
		description:
			"Upgrades per user are limited (RATE_WS_CONNECT_BURST / RATE_WS_CONNECT_PER_SEC): over it, 429 envelope with Retry-After and no socket. message.send shares the sender's message limit with POST /messages (RATE_MESSAGE_*): over it, message.error with code 429, payload.retryAfter (whole seconds) and payload.retryAfterMs.",
		tags: ["websocket"],
	}),
	validate("query", z.object({ token: z.string().optional() })),
	async (c) => {
		const { token } = c.req.valid("query");
		if (!token) throw unauthorized("token is required");
		if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
			throw new ApiError(400, 400, "expected a WebSocket upgrade request");
		}
		const identity = await authenticate(c.env, token, { exact: true }).catch((e) => {
			// Every refusal before the upgrade is a 401 (WIRE-PROFILE §5), a disabled account too.
			if (e instanceof ApiError) throw unauthorized(e.message, e.code);
			throw e;
		});
		const headers = new Headers(c.req.raw.headers);
		headers.set(IDENTITY_HEADER, JSON.stringify(identity));
		// The socket's frames are logged under the upgrade's ID (the hub keeps it in the socket's attachment).
		headers.set(REQUEST_ID_HEADER, requestIdOf(c) ?? "");
		return hubFor(c.env, identity.userId).fetch(new Request(c.req.raw.url, { headers }));
	},
);
