import type { AuthContext } from "./lib/auth";

/** Secrets and optional settings that `wrangler types` cannot see (they live in .dev.vars / wrangler secret). */
export interface Secrets {
	JWT_SECRET?: string;
	CORS_ORIGINS?: string;
	LOGIN_MAX_FAILURES?: string;
	LOGIN_WINDOW_SECONDS?: string;
	GROUP_MAX_MEMBERS?: string;
}

export type Bindings = Env & Secrets;

export interface AppEnv {
	Bindings: Bindings;
	Variables: { auth: AuthContext };
}
