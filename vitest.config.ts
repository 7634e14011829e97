import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { webhookReceiver } from "./test/fixtures/webhook-receiver.ts";

// wrangler.toml serves the console from dist/console; the Worker tests must start before
// (or without) a console build, so the directory only has to exist.
mkdirSync(fileURLToPath(new URL("./dist/console", import.meta.url)), { recursive: true });

/** Runs per route of the fuzz tests; `npm run test:soak` raises it. */
const FUZZ_RUNS = process.env.FUZZ_RUNS ?? "";
const soak = Number(FUZZ_RUNS) > 100;

// The upstream contract lives outside the project and cannot be read from inside workerd, so it
// is handed to the conformance test as a binding when the folder is there (test/contract.test.ts).
const upstreamOpenApi = fileURLToPath(new URL("../shared/contracts/http/openapi.json", import.meta.url));

/** Per-user rate limits as variables (workers/config.ts): `<prefix>_BURST` and `<prefix>_PER_SEC`. */
const rates = (burst: number, perSec: number, only: Record<string, [number, number]> = {}) =>
	Object.fromEntries(
		["RATE_MESSAGE", "RATE_FRIEND_REQUEST", "RATE_GROUP_CREATE", "RATE_UPLOAD_TOKEN", "RATE_WS_CONNECT"].flatMap(
			(p) => {
				const [b, r] = only[p] ?? [burst, perSec];
				return [
					[`${p}_BURST`, String(b)],
					[`${p}_PER_SEC`, String(r)],
				];
			},
		),
	);

// The limits test needs small buckets; every other suite runs with limits far above anything it sends
// (still enabled, so the checks run on every path) and must not depend on timing.
const LIMITS_TEST = "test/rate-limits.test.ts";
// Large-group fan-out (online members only) with groups of a few members, so a test can build one.
const LARGE_GROUPS_TEST = "test/large-groups.test.ts";

// Server hooks: the hook list read on every lookup (WEBHOOK_CACHE_SECONDS 0, so a test's hook applies at
// once), retries without delay, and every outbound fetch answered by a fake receiver in Node (an outside
// service: test/fixtures/webhook-receiver.ts). Its own D1, so no other suite ever meets a test's hook.
const WEBHOOKS_TESTS = "test/webhooks*.test.ts";

// Request logs and metrics datapoints, with a recording METRICS binding (test/fixtures/metrics-recorder.js).
const OBSERVABILITY_TEST = "test/observability.test.ts";

const project = async (
	name: string,
	include: string[],
	exclude: string[],
	extra: Record<string, string>,
	miniflare: Record<string, unknown> = {},
) => ({
	plugins: [
		cloudflareTest(async () => ({
			remoteBindings: false,
			wrangler: { configPath: "./wrangler.toml" },
			miniflare: {
				bindings: {
					TEST_MIGRATIONS: await readD1Migrations(fileURLToPath(new URL("./migrations", import.meta.url))),
					// Tests exercise the throttles explicitly; keep every other test clear of them.
					LOGIN_MAX_FAILURES: "5",
					// Small, so the suites exercise the checkpointed hub (durable-objects/user-hub/checkpoint.ts) too.
					HUB_CHECKPOINT_SESSIONS: "2",
					...(existsSync(upstreamOpenApi) ? { UPSTREAM_OPENAPI: readFileSync(upstreamOpenApi, "utf8") } : {}),
					// The documented development admin password (README), supplied like `npm start` does.
					ADMIN_BOOTSTRAP_PASSWORD: "Admin@123456",
					FUZZ_RUNS,
					FUZZ_SEED: process.env.FUZZ_SEED ?? "",
					...extra,
				},
				...miniflare,
			},
		})),
	],
	test: {
		name,
		include,
		exclude,
		setupFiles: ["./test/setup.ts"],
		testTimeout: soak ? 30 * 60_000 : 30_000,
		hookTimeout: 30_000,
	},
});

/** One run, one JSON report for CI: the Worker in workerd (two projects); contract tooling and the client library in Node. */
export default defineConfig({
	test: {
		projects: [
			project(
				"worker",
				["test/**/*.test.ts"],
				[LIMITS_TEST, LARGE_GROUPS_TEST, OBSERVABILITY_TEST, WEBHOOKS_TESTS, "test/node/**"],
				rates(1_000_000, 1_000_000),
			),
			project("observability", [OBSERVABILITY_TEST], [], rates(1_000_000, 1_000_000), {
				workers: [
					{
						name: "metrics-recorder",
						modules: true,
						scriptPath: fileURLToPath(new URL("./test/fixtures/metrics-recorder.js", import.meta.url)),
					},
				],
				serviceBindings: { METRICS: { name: "metrics-recorder", entrypoint: "MetricsRecorder" } },
			}),
			project(
				"webhooks",
				[WEBHOOKS_TESTS],
				[],
				{ ...rates(1_000_000, 1_000_000), WEBHOOK_CACHE_SECONDS: "0", WEBHOOK_RETRY_BASE_SECONDS: "0" },
				{ outboundService: webhookReceiver },
			),
			project("large-groups", [LARGE_GROUPS_TEST], [], { ...rates(1_000_000, 1_000_000), LARGE_GROUP_MEMBERS: "3" }),
			// Small bursts that effectively never refill (1 token per 1000 s), so counts are exact;
			// upload tokens refill within a second, so a refused caller is seen to succeed after
			// Retry-After. Refill of every limit at its real defaults: test/rate-limits-rules.test.ts.
			project(
				"limits",
				[LIMITS_TEST],
				[],
				rates(2, 0.001, { RATE_MESSAGE: [3, 0.001], RATE_UPLOAD_TOKEN: [2, 2], RATE_WS_CONNECT: [3, 0.001] }),
			),
			// Node-only tests: the AsyncAPI parser and the buf binary.
			{ test: { name: "node", include: ["test/node/**/*.test.ts"], environment: "node", testTimeout: 60_000 } },
			{ test: { name: "client", include: ["client/test/**/*.test.ts"], environment: "node", testTimeout: 10_000 } },
		],
	},
});
