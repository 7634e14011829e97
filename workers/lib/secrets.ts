import { developmentSecret } from "../../db/dev-secrets";
import { isProduction } from "../../domain/config";
import type { Bindings } from "../../domain/env";
import { MIN_SECRET_BYTES } from "../../domain/secrets";
import { ApiError } from "./errors";

/**
 * Settled keys only: a read in flight is not shared, since in workerd the waiters on a promise
 * that another request's I/O resolves resume in that request's context. Concurrent first reads
 * each ask D1, which keeps the first value written (db/dev-secrets.ts).
 */
const cache = new Map<string, Uint8Array>();

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
 * A signing key from a configured secret. Production must set it (>= 32 bytes) with
 * `wrangler secret put`; a weaker or missing one refuses every request rather than signing
 * with it. In development a missing secret is generated once and kept in the local D1 state
 * (table dev_secrets, row `devName`), so no secret is ever written into the code or the
 * bundle and a restart keeps existing tokens and URLs valid.
 */
export function secretKey(
	env: Bindings,
	spec: { value: string | undefined; secretName: string; devName: string; code?: number },
): Promise<Uint8Array> {
	const code = spec.code ?? 500;
	if (spec.value) {
		if (isProduction(env) && new TextEncoder().encode(spec.value).length < MIN_SECRET_BYTES) {
			throw new ApiError(500, code, `server misconfigured: ${spec.secretName} must be at least 32 bytes`);
		}
		return Promise.resolve(new TextEncoder().encode(spec.value));
	}
	if (isProduction(env)) throw new ApiError(500, code, `server misconfigured: ${spec.secretName} is not set`);
	const known = cache.get(spec.devName);
	if (known) return Promise.resolve(known);
	return generatedSecret(env, spec.devName).then((key) => {
		cache.set(spec.devName, key);
		return key;
	});
}

/** The HS256 key for user tokens. */
export const jwtKey = (env: Bindings) =>
	secretKey(env, { value: env.JWT_SECRET, secretName: "JWT_SECRET", devName: "jwt" });

/** The HS256 key for admin tokens: a different key, so neither kind of token verifies as the other. */
export const adminJwtKey = (env: Bindings) =>
	secretKey(env, { value: env.ADMIN_JWT_SECRET, secretName: "ADMIN_JWT_SECRET", devName: "admin-jwt" });

/** The HMAC key of the Worker's own upload/download URLs. */
export const filesUrlKey = (env: Bindings) =>
	secretKey(env, { value: env.FILES_URL_SECRET, secretName: "FILES_URL_SECRET", devName: "files-url" });

async function generatedSecret(env: Bindings, name: string): Promise<Uint8Array> {
	const fresh = crypto.getRandomValues(new Uint8Array(48));
	return new TextEncoder().encode(await developmentSecret(env, name, btoa(String.fromCharCode(...fresh))));
}
