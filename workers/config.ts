import type { Bindings } from "./env";

export interface Config {
	production: boolean;
	accessTtl: number;
	refreshTtl: number;
	corsOrigins: string[];
	loginMaxFailures: number;
	loginWindowSeconds: number;
}

const int = (value: string | undefined, fallback: number) => {
	const n = Number(value);
	return Number.isInteger(n) && n >= 1 ? n : fallback;
};

export const isProduction = (env: Bindings) => String(env.ENVIRONMENT ?? "development") === "production";

/** Plain settings from vars; secrets are read where they are used (see `secrets.ts`). */
export function config(env: Bindings): Config {
	const production = isProduction(env);
	const origins = (env.CORS_ORIGINS ?? (production ? "" : "*"))
		.split(",")
		.map((s) => s.trim())
		.filter(Boolean);
	return {
		production,
		accessTtl: int(env.ACCESS_TOKEN_TTL, 7200),
		refreshTtl: int(env.REFRESH_TOKEN_TTL, 604800),
		corsOrigins: origins,
		loginMaxFailures: int(env.LOGIN_MAX_FAILURES, 5),
		loginWindowSeconds: int(env.LOGIN_WINDOW_SECONDS, 900),
	};
}
