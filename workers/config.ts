import type { Bindings } from "./env";

export interface Config {
	production: boolean;
	accessTtl: number;
	refreshTtl: number;
	corsOrigins: string[];
	loginMaxFailures: number;
	loginWindowSeconds: number;
	/** Member limit of groups created from now on (owner included); GROUP_MAX_MEMBERS, default 500. */
	groupMaxMembers: number;
}

const int = (value: string | undefined, fallback: number, min = 1) => {
	const n = Number(value);
	return Number.isInteger(n) && n >= min ? n : fallback;
};

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
		groupMaxMembers: int(env.GROUP_MAX_MEMBERS, 500, 2),
	};
}
