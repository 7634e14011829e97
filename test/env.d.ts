import type { D1Migration } from "cloudflare:test";

declare global {
	/** Vite's import.meta.glob, available to tests because vitest bundles them. */
	interface ImportMeta {
		glob<T = unknown>(
			patterns: string | string[],
			options?: { query?: string; import?: string; eager?: boolean },
		): Record<string, T>;
	}
	namespace Cloudflare {
		interface Env {
			TEST_MIGRATIONS: D1Migration[];
			/** ../shared/contracts/http/openapi.json as text, when that folder exists (vitest.config.ts). */
			UPSTREAM_OPENAPI?: string;
		}
	}
}
