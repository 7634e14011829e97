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
		// CI (.ci/run) counts these tests from the JSON report, next to the main suite's.
		reporters: ["default", "json"],
		outputFile: { json: "test-results/e2e.json" },
	},
});
