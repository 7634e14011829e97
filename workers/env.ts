import type { AuthContext } from "./lib/auth";

/** Secrets and optional settings that `wrangler types` cannot see (they live in .dev.vars / wrangler secret). */
export interface Secrets {
	JWT_SECRET?: string;
	CORS_ORIGINS?: string;
	LOGIN_MAX_FAILURES?: string;
	LOGIN_WINDOW_SECONDS?: string;
	/** Offline push providers (optional; without them pushes go to the log provider). */
	FCM_PROJECT_ID?: string;
	FCM_ACCESS_TOKEN?: string;
	APNS_BEARER_TOKEN?: string;
	APNS_TOPIC?: string;
	APNS_HOST?: string;
}

export type Bindings = Env & Secrets;

export interface AppEnv {
	Bindings: Bindings;
	Variables: { auth: AuthContext };
}
