import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// The upstream contract lives outside the project and cannot be read from inside workerd, so it
// is handed to the conformance test as a binding when the folder is there (test/contract.test.ts).
const upstreamOpenApi = fileURLToPath(new URL("../shared/contracts/http/openapi.json", import.meta.url));

export default defineConfig({
	plugins: [
		cloudflareTest(async () => ({
			remoteBindings: false,
			wrangler: { configPath: "./wrangler.toml" },
			miniflare: {
				bindings: {
					TEST_MIGRATIONS: await readD1Migrations(fileURLToPath(new URL("./migrations", import.meta.url))),
					// Tests exercise the throttles explicitly; keep every other test clear of them.
					LOGIN_MAX_FAILURES: "5",
					...(existsSync(upstreamOpenApi) ? { UPSTREAM_OPENAPI: readFileSync(upstreamOpenApi, "utf8") } : {}),
				},
			},
		})),
	],
	test: {
		include: ["test/**/*.test.ts"],
		// Node-only tests run under vitest.node.config.ts.
		exclude: ["test/node/**", "**/node_modules/**"],
		setupFiles: ["./test/setup.ts"],
		testTimeout: 30_000,
		hookTimeout: 30_000,
	},
});
