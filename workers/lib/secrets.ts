import { isProduction } from "../config";
import type { Bindings } from "../env";
import { ApiError } from "./errors";

const MIN_SECRET_BYTES = 32;
let cached: Promise<Uint8Array> | undefined;

/**
 * Why this deployment must not serve requests, or null when it may. Production needs
 * JWT_SECRET of at least 32 bytes (set with `wrangler secret put`). A Worker has no startup
 * hook that could refuse to boot, so the app checks this before every request: a weak
 * deployment answers 500 "server misconfigured" and never signs a token.
 */
export function misconfiguration(env: Bindings): string | null {
	if (!isProduction(env)) return null;
	if (!env.JWT_SECRET) return "JWT_SECRET is not set";
	if (new TextEncoder().encode(env.JWT_SECRET).length < MIN_SECRET_BYTES)
		return `JWT_SECRET must be at least ${MIN_SECRET_BYTES} bytes`;
	return null;
}

/**
 * The HS256 key for user tokens. In development a missing secret is generated once and kept
 * in the local D1 state, so no secret is ever written into the code or the bundle and a
 * restart keeps existing tokens valid.
 */
export function jwtKey(env: Bindings): Promise<Uint8Array> {
	const problem = misconfiguration(env);
	if (problem) throw new ApiError(500, 500, "server misconfigured");
	if (env.JWT_SECRET) return Promise.resolve(new TextEncoder().encode(env.JWT_SECRET));
	cached ??= developmentSecret(env.DB, "jwt").catch((e) => {
		cached = undefined;
		throw e;
	});
	return cached;
}

async function developmentSecret(db: D1Database, name: string): Promise<Uint8Array> {
	const fresh = crypto.getRandomValues(new Uint8Array(48));
	const value = btoa(String.fromCharCode(...fresh));
	await db.prepare("INSERT OR IGNORE INTO dev_secrets (name, value) VALUES (?, ?)").bind(name, value).run();
	const row = await db.prepare("SELECT value FROM dev_secrets WHERE name = ?").bind(name).first<{ value: string }>();
	return new TextEncoder().encode(row!.value);
}
