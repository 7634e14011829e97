import type { D1Migration } from "cloudflare:test";

declare global {
	namespace Cloudflare {
		interface Env {
			TEST_MIGRATIONS: D1Migration[];
			/** ../shared/contracts/http/openapi.json as text, when that folder exists (vitest.config.ts). */
			UPSTREAM_OPENAPI?: string;
		}
	}
}
