import { SignJWT } from "jose";
import { isProduction } from "../../domain/config";
import type { Bindings } from "../../domain/env";
import { now } from "../../domain/time";
import { ApiError, Codes } from "../lib/errors";
import { secretKey } from "../lib/secrets";

/** LiveKit access tokens live 2 hours (rtc.md). */
export const LIVEKIT_TOKEN_TTL = 2 * 3600;
/** The API key of `livekit-server --dev`; only a key name, the secret is never in code. */
const DEV_API_KEY = "devkey";
const DEV_URL = "ws://localhost:7880";

const misconfigured = (what: string) =>
	new ApiError(500, Codes.LiveKitTokenFailed, `server misconfigured: ${what} is not set`);

/** Where clients connect for media: LIVEKIT_URL (required in production). */
export function livekitUrl(env: Bindings): string {
	if (env.LIVEKIT_URL) return env.LIVEKIT_URL;
	if (isProduction(env)) throw misconfigured("LIVEKIT_URL");
	return DEV_URL;
}

/**
 * A LiveKit access JWT as rtc.md describes: HS256 with the API secret, `iss` = API key,
 * `sub` = the user ID (participant identity), valid now … now + 2 h, and a `video` grant
 * joining exactly `room`, with roomAdmin for the call initiator / meeting creator.
 * In development without LIVEKIT_API_SECRET the secret is generated once into dev_secrets
 * (row `livekit`); configure the same one in a local LiveKit server to use it.
 */
export async function livekitToken(
	env: Bindings,
	grant: { identity: string; room: string; roomAdmin: boolean },
): Promise<string> {
	const apiKey = env.LIVEKIT_API_KEY ?? (isProduction(env) ? undefined : DEV_API_KEY);
	if (!apiKey) throw misconfigured("LIVEKIT_API_KEY");
	const key = await secretKey(env, {
		value: env.LIVEKIT_API_SECRET,
		secretName: "LIVEKIT_API_SECRET",
		devName: "livekit",
		code: Codes.LiveKitTokenFailed,
	});
	const t = now();
	return new SignJWT({
		video: { roomJoin: true, room: grant.room, roomAdmin: grant.roomAdmin },
	})
		.setProtectedHeader({ alg: "HS256", typ: "JWT" })
		.setIssuer(apiKey)
		.setSubject(grant.identity)
		.setJti(grant.identity)
		.setNotBefore(t)
		.setExpirationTime(t + LIVEKIT_TOKEN_TTL)
		.sign(key);
}
