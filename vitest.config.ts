import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/** Runs per route of the fuzz tests; `npm run test:soak` raises it. */
const FUZZ_RUNS = process.env.FUZZ_RUNS ?? "";
const soak = Number(FUZZ_RUNS) > 100;

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
					FUZZ_RUNS,
					FUZZ_SEED: process.env.FUZZ_SEED ?? "",
				},
			},
		})),
	],
	test: {
		include: ["test/**/*.test.ts"],
		setupFiles: ["./test/setup.ts"],
		testTimeout: soak ? 30 * 60_000 : 30_000,
		hookTimeout: 30_000,
	},
});
