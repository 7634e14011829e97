import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// wrangler.toml serves the console from dist/console; the Worker tests must start before
// (or without) a console build, so the directory only has to exist.
mkdirSync(fileURLToPath(new URL("./dist/console", import.meta.url)), { recursive: true });

// The upstream contract lives outside the project and cannot be read from inside workerd, so it
// is handed to the conformance test as a binding when the folder is there (test/contract.test.ts).
const upstreamOpenApi = fileURLToPath(new URL("../shared/contracts/http/openapi.json", import.meta.url));

/** Three projects, one run (one JSON report for CI): the Worker in workerd; contract tooling and the client library in Node. */
export default defineConfig({
	test: {
		projects: [
			{
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
					name: "worker",
					include: ["test/**/*.test.ts"],
					// Node-only tests (the AsyncAPI parser, the buf binary) are the "node" project below.
					exclude: ["test/node/**", "**/node_modules/**"],
					setupFiles: ["./test/setup.ts"],
					testTimeout: 30_000,
					hookTimeout: 30_000,
				},
			},
			{
				test: {
					name: "node",
					include: ["test/node/**/*.test.ts"],
					environment: "node",
					testTimeout: 60_000,
				},
			},
			{
				test: {
					name: "client",
					include: ["client/test/**/*.test.ts"],
					environment: "node",
					testTimeout: 10_000,
				},
			},
		],
	},
});
