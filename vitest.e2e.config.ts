import { defineConfig } from "vitest/config";

/** The browser test (npm run test:e2e): Debian Chromium against a real `wrangler dev`. */
export default defineConfig({
	test: {
		name: "e2e",
		include: ["e2e/**/*.e2e.ts"],
		environment: "node",
		testTimeout: 120_000,
		hookTimeout: 180_000,
		fileParallelism: false,
		// One retry for a whole-system test: a connection to the local wrangler proxy was once
		// seen to fail ("fetch failed") between two requests. The retry shows in the report; a
		// test that fails twice fails CI.
		retry: 1,
		// CI (.ci/run) counts these tests from the JSON report, next to the main suite's.
		reporters: ["default", "json"],
		outputFile: { json: "test-results/e2e.json" },
	},
});
