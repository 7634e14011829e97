import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// wrangler.toml serves the console from dist/console; the soak needs no console build.
mkdirSync(fileURLToPath(new URL("./dist/console", import.meta.url)), { recursive: true });

/** The long runs (npm run test:soak), not in CI: real `wrangler dev`, minutes each. */
export default defineConfig({
	test: {
		name: "soak",
		include: ["e2e/**/*.soak.ts"],
		environment: "node",
		testTimeout: 30 * 60_000,
		hookTimeout: 180_000,
		fileParallelism: false,
	},
});
