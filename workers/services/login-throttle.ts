import { clearFailuresStatement, failuresSince, recordFailure } from "../../db/login-failures";
import { config } from "../../domain/config";
import type { Bindings } from "../../domain/env";
import { now } from "../../domain/time";
import { tooManyRequests } from "../lib/errors";

/**
 * Password logins are throttled per account (user logins by phone/email, admins as `admin:<name>`):
 * LOGIN_MAX_FAILURES failures within LOGIN_WINDOW_SECONDS answer 429 until the oldest one ages out.
 */
export async function checkLoginThrottle(env: Bindings, account: string): Promise<void> {
	const cfg = config(env);
	const failures = await failuresSince(env, account, now() - cfg.loginWindowSeconds);
	if (failures.n >= cfg.loginMaxFailures) {
		throw tooManyRequests(
			"too many failed login attempts; try again later",
			(failures.first ?? now()) + cfg.loginWindowSeconds - now(),
		);
	}
}

/** Records a failed attempt and drops failures that no longer count for anyone. */
export async function recordLoginFailure(env: Bindings, account: string): Promise<void> {
	const t = now();
	await recordFailure(env, account, t, t - config(env).loginWindowSeconds);
}

/** For the batch of a successful login: the account starts again with no failures. */
export const clearLoginFailuresStatement = clearFailuresStatement;
