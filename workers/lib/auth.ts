import type { MiddlewareHandler } from "hono";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { sessionState } from "../../db/device-sessions";
import type { Bindings } from "../../domain/env";
import type { AuthContext } from "../../domain/identity";
import { now } from "../../domain/time";
import type { AppEnv } from "../env";
import { Codes, forbidden, unauthorized } from "./errors";
import { jwtKey } from "./secrets";
import { withMeta } from "./validate";

export type TokenType = "access" | "refresh";

export interface TokenClaims {
	userId: string;
	deviceId: string;
	deviceType: string;
	tokenType: TokenType;
	/** Device session the token belongs to. */
	sid: string;
	jti: string;
}

export async function signToken(env: Bindings, claims: TokenClaims, ttlSeconds: number): Promise<string> {
	const iat = now();
	return new SignJWT({ ...claims })
		.setProtectedHeader({ alg: "HS256", typ: "JWT" })
		.setIssuedAt(iat)
		.setNotBefore(iat)
		.setExpirationTime(iat + ttlSeconds)
		.sign(await jwtKey(env));
}

/** The HS256 key imported once per isolate and secret (jose would import raw bytes on every verify). */
const importedKeys = new Map<string, Promise<CryptoKey>>();
async function verifyKey(env: Bindings): Promise<CryptoKey> {
	const raw = await jwtKey(env);
	const id = String.fromCharCode(...raw);
	let key = importedKeys.get(id);
	if (!key) {
		key = crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
		importedKeys.set(id, key);
	}
	return key;
}

/** Signature, expiry and token type; throws a 401 envelope error naming the problem. */
export async function verifyToken(env: Bindings, token: string, expected: TokenType): Promise<TokenClaims> {
	let payload: Record<string, unknown>;
	try {
		({ payload } = await jwtVerify(token, await verifyKey(env), { algorithms: ["HS256"] }));
	} catch (e) {
		if (e instanceof joseErrors.JWTExpired) throw unauthorized("token has expired", Codes.TokenExpired);
		throw unauthorized("invalid token", Codes.TokenInvalid);
	}
	const claims = payload as unknown as TokenClaims;
	if (claims.tokenType !== expected || typeof claims.userId !== "string" || typeof claims.sid !== "string") {
		throw unauthorized(`not an ${expected} token`, Codes.TokenInvalid);
	}
	return claims;
}

/** How long this isolate trusts a device session it found active (see `authenticate`). */
export const SESSION_CHECK_TTL_MS = 5000;
const activeSessions = new Map<string, number>();
const sessionKey = (userId: string, sessionId: string) => `${userId}|${sessionId}`;

/**
 * This isolate forgets what it knew of the user's sessions: every path that ends sessions or
 * disables an account calls it, so there revocation is exact; other isolates see it within
 * SESSION_CHECK_TTL_MS.
 */
export function forgetSessions(userId: string): void {
	const prefix = `${userId}|`;
	for (const key of activeSessions.keys()) if (key.startsWith(prefix)) activeSessions.delete(key);
}

/**
 * Access tokens are checked against their device session, so logout, password change and
 * bans take effect before expiry: at once in the isolate that handled them, within
 * SESSION_CHECK_TTL_MS elsewhere (an active session is remembered that long, saving a D1
 * query per request). `exact` skips the memory (WebSocket upgrades, whose hub checks again).
 */
export async function authenticate(env: Bindings, token: string, opts: { exact?: boolean } = {}): Promise<AuthContext> {
	const claims = await verifyToken(env, token, "access");
	const key = sessionKey(claims.userId, claims.sid);
	const t = Date.now();
	const known = !opts.exact && (activeSessions.get(key) ?? 0) > t;
	const state = known ? "active" : await sessionState(env, claims.userId, claims.sid);
	if (state === "active" && !known) {
		if (activeSessions.size >= 10_000) activeSessions.clear();
		activeSessions.set(key, t + SESSION_CHECK_TTL_MS);
	}
	if (state === "ended") throw unauthorized("session has ended; log in again", Codes.TokenInvalid);
	if (state === "disabled") throw forbidden("account is disabled", Codes.AccountDisabled);
	return { userId: claims.userId, deviceId: claims.deviceId, deviceType: claims.deviceType, sessionId: claims.sid };
}

/** `Authorization: Bearer <accessToken>` on every protected route. */
export const requireUser: MiddlewareHandler<AppEnv> = withMeta(
	async (c, next) => {
		const header = c.req.header("Authorization");
		if (!header) throw unauthorized("missing authorization header");
		// The scheme name is case-insensitive (RFC 9110 §11.1).
		const match = /^Bearer +(\S+)$/i.exec(header.trim());
		if (!match) throw unauthorized("invalid authorization header format");
		c.set("auth", await authenticate(c.env, match[1]!));
		await next();
	},
	{ auth: "user" },
);
