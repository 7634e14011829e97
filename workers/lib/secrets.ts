import { isProduction } from "../config";
import type { Bindings } from "../env";
import { ApiError } from "./errors";

const MIN_SECRET_BYTES = 32;
let cached: Promise<Uint8Array> | undefined;

/**
 * The HS256 key for user tokens. Production must set JWT_SECRET (>= 32 bytes) with
 * `wrangler secret put`; a weaker or missing one refuses every request rather than
 * signing tokens with it. In development a missing secret is generated once and kept in the
 * local D1 state, so no secret is ever written into the code or the bundle and a restart
 * keeps existing tokens valid.
 */
export function jwtKey(env: Bindings): Promise<Uint8Array> {
	if (env.JWT_SECRET) {
		if (isProduction(env) && new TextEncoder().encode(env.JWT_SECRET).length < MIN_SECRET_BYTES) {
			throw new ApiError(500, 500, "server misconfigured: JWT_SECRET must be at least 32 bytes");
		}
		return Promise.resolve(new TextEncoder().encode(env.JWT_SECRET));
	}
	if (isProduction(env)) throw new ApiError(500, 500, "server misconfigured: JWT_SECRET is not set");
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
