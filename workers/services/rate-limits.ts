import { config, type RateBucket, rateLimitOff } from "../../domain/config";
import type { Bindings } from "../../domain/env";
import { hubFor } from "../../platform/stubs";
import { tooManyRequests } from "../lib/errors";

const REFUSALS: Record<RateBucket, string> = {
	message: "too many messages",
	friendRequest: "too many friend requests",
	groupCreate: "too many groups created",
	uploadToken: "too many uploads started",
	wsConnect: "too many connection attempts",
};

/**
 * One token of the caller's `bucket`, taken in the caller's UserHub (where the limit lives), or a
 * 429 with Retry-After. A limit switched off (burst or rate 0) costs nothing, not even the call.
 */
export async function enforceRateLimit(env: Bindings, userId: string, bucket: RateBucket): Promise<void> {
	if (rateLimitOff(config(env).rateLimits[bucket])) return;
	const r = await hubFor(env, userId).take(bucket);
	if (!r.ok) {
		const seconds = Math.max(1, Math.ceil(r.retryAfter));
		throw tooManyRequests(`${REFUSALS[bucket]}; retry after ${seconds} s`, r.retryAfter);
	}
}

/** The sentence route descriptions use. */
export const rateLimitNote = (vars: string) =>
	`Limited per user (token bucket, ${vars}_BURST / ${vars}_PER_SEC): over it, 429 with Retry-After.`;
