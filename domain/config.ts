import type { Bindings } from "./env";

export interface Config {
	production: boolean;
	accessTtl: number;
	refreshTtl: number;
	corsOrigins: string[];
	loginMaxFailures: number;
	loginWindowSeconds: number;
	rateLimits: RateLimits;
	/** See UserHub: hubs with at least this many conversations checkpoint their list instead of rebuilding it. */
	hubCheckpointSessions: number;
	/**
	 * Groups with more members than this fan out to the hubs of online members only; offline
	 * members' rows are read from the group when their list is asked for (conversation/presence.ts).
	 */
	largeGroupMembers: number;
}

/** Per-user actions with a token-bucket limit, kept in the user's UserHub (durable-objects/rate-limits.ts). */
export const RATE_BUCKETS = ["message", "friendRequest", "groupCreate", "uploadToken", "wsConnect"] as const;
export type RateBucket = (typeof RATE_BUCKETS)[number];

/** `burst` tokens at most, refilled at `perSec`; `burst` 0 (or `perSec` 0) switches the limit off. */
export interface RateRule {
	burst: number;
	perSec: number;
}
export type RateLimits = Record<RateBucket, RateRule>;

/** Variable prefix and default of each limit: `<PREFIX>_BURST` and `<PREFIX>_PER_SEC`. */
const RATE_DEFAULTS: Record<RateBucket, { env: string; burst: number; perSec: number }> = {
	message: { env: "RATE_MESSAGE", burst: 20, perSec: 5 },
	friendRequest: { env: "RATE_FRIEND_REQUEST", burst: 10, perSec: 0.2 },
	groupCreate: { env: "RATE_GROUP_CREATE", burst: 5, perSec: 0.05 },
	uploadToken: { env: "RATE_UPLOAD_TOKEN", burst: 30, perSec: 1 },
	wsConnect: { env: "RATE_WS_CONNECT", burst: 10, perSec: 0.5 },
};

const int = (value: string | undefined, fallback: number) => {
	const n = Number(value);
	return Number.isInteger(n) && n >= 1 ? n : fallback;
};

/** A non-negative number (fractions allowed, 0 = off); anything else falls back to the default. */
const rate = (value: unknown, fallback: number) => {
	if (value === undefined || value === null || String(value).trim() === "") return fallback;
	const n = Number(value);
	return Number.isFinite(n) && n >= 0 ? n : fallback;
};

function rateLimits(env: Bindings): RateLimits {
	const vars = env as unknown as Record<string, unknown>;
	const out = {} as RateLimits;
	for (const bucket of RATE_BUCKETS) {
		const d = RATE_DEFAULTS[bucket];
		out[bucket] = {
			burst: Math.floor(rate(vars[`${d.env}_BURST`], d.burst)),
			perSec: rate(vars[`${d.env}_PER_SEC`], d.perSec),
		};
	}
	return out;
}

export const rateLimitOff = (rule: RateRule) => rule.burst <= 0 || rule.perSec <= 0;

/**
 * A group of more than LARGE_GROUP_MEMBERS members reaches live only the members online (its
 * messages and its group events); the others read its state when they ask or sync.
 */
export const isLargeGroup = (env: Bindings, members: number) => members > config(env).largeGroupMembers;

export const isProduction = (env: Bindings) => String(env.ENVIRONMENT ?? "development") === "production";

/** Plain settings from vars; secrets are read where they are used (see `secrets.ts`). */
export function config(env: Bindings): Config {
	const production = isProduction(env);
	// "*" is a development convenience: production serves only the origins it names.
	const origins = (env.CORS_ORIGINS ?? (production ? "" : "*"))
		.split(",")
		.map((s) => s.trim())
		.filter((s) => s && !(production && s === "*"));
	return {
		production,
		accessTtl: int(env.ACCESS_TOKEN_TTL, 7200),
		refreshTtl: int(env.REFRESH_TOKEN_TTL, 604800),
		corsOrigins: origins,
		loginMaxFailures: int(env.LOGIN_MAX_FAILURES, 5),
		loginWindowSeconds: int(env.LOGIN_WINDOW_SECONDS, 900),
		rateLimits: rateLimits(env),
		hubCheckpointSessions: int(env.HUB_CHECKPOINT_SESSIONS, 64),
		largeGroupMembers: int(env.LARGE_GROUP_MEMBERS, 100),
	};
}
