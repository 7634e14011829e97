// `npm run deploy` (scripts/deploy.ts) against a stub `wrangler` first on PATH that plays a
// Cloudflare account and records every call (test/fixtures/wrangler-stub/): a fresh account, a
// rerun, missing secrets. The real wrangler talks to Cloudflare's API, an outside service.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { experimental_readRawConfig } from "wrangler";
import { REQUIRED_SECRETS } from "../../domain/secrets";

const root = new URL("../..", import.meta.url).pathname;
const stubDir = join(root, "test/fixtures/wrangler-stub");

type Queues = {
	producers?: { queue: string }[];
	consumers?: { queue: string; dead_letter_queue?: string }[];
};

/** What the production config binds, read independently of the script: every queue name in [env.production]. */
function productionQueues(): string[] {
	const { rawConfig } = experimental_readRawConfig({ config: join(root, "wrangler.toml") });
	const q = (rawConfig.env?.production as { queues?: Queues } | undefined)?.queues;
	return [
		...new Set([
			...(q?.producers ?? []).map((p) => p.queue),
			...(q?.consumers ?? []).flatMap((c) => [c.queue, ...(c.dead_letter_queue ? [c.dead_letter_queue] : [])]),
		]),
	];
}

interface Account {
	worker: boolean;
	secrets: string[];
	queues: string[];
	databases: string[];
	buckets: string[];
	/** The stub's deploy fails while one of these queues is missing, as the real one does. */
	requiredQueues: string[];
}

const dirs: string[] = [];
afterEach(() => {
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function account(overrides: Partial<Account> = {}) {
	const dir = mkdtempSync(join(tmpdir(), "anychat-deploy-"));
	dirs.push(dir);
	const statePath = join(dir, "state.json");
	const logPath = join(dir, "calls.log");
	writeFileSync(
		statePath,
		JSON.stringify({
			worker: false,
			secrets: [],
			queues: [],
			databases: [],
			buckets: [],
			requiredQueues: productionQueues(),
			...overrides,
		}),
	);
	writeFileSync(logPath, "");
	return {
		state: () => JSON.parse(readFileSync(statePath, "utf8")) as Account,
		setSecrets: (names: string[]) => {
			const s = JSON.parse(readFileSync(statePath, "utf8"));
			writeFileSync(statePath, JSON.stringify({ ...s, worker: true, secrets: names }));
		},
		/** Runs `npm run deploy`'s script; returns its exit status, output and the wrangler calls it made. */
		deploy: () => {
			writeFileSync(logPath, "");
			const r = spawnSync(join(root, "node_modules/.bin/tsx"), ["scripts/deploy.ts"], {
				cwd: root,
				encoding: "utf8",
				timeout: 60_000,
				env: {
					...({} as NodeJS.ProcessEnv),
					PATH: `${stubDir}:${dirname(process.execPath)}:/usr/bin:/bin`,
					HOME: process.env.HOME ?? dir,
					SKIP_BUILD: "1",
					WRANGLER_STUB_STATE: statePath,
					WRANGLER_STUB_LOG: logPath,
				},
			});
			const calls = readFileSync(logPath, "utf8")
				.split("\n")
				.filter(Boolean)
				.map((l) => (JSON.parse(l) as string[]).join(" "));
			return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls };
		},
	};
}

const MIGRATE = "d1 migrations apply DB --remote --env production";
const DEPLOY = "deploy --env production";
const changes = (calls: string[]) => calls.filter((c) => /^(queues create|deploy|d1 migrations|secret put)/.test(c));

describe("npm run deploy", () => {
	it("derives the queues from [env.production]: the push queue at least", () => {
		expect(productionQueues()).toContain("anychat-push");
	});

	it("on a fresh account: stops on the missing secrets first, then creates the queues, deploys and migrates", () => {
		const acct = account();
		const first = acct.deploy();
		expect(first.status, first.stderr).not.toBe(0);
		// Nothing changed: only the secret listing ran.
		expect(first.calls).toEqual(["secret list --env production --format json"]);
		const missingLines = first.stderr.split("\n").filter((l) => l.startsWith("missing secret "));
		expect(missingLines).toEqual(
			REQUIRED_SECRETS.map(
				(name) => `missing secret ${name}: set it with  npx wrangler secret put ${name} --env production`,
			),
		);

		acct.setSecrets([...REQUIRED_SECRETS]);
		const second = acct.deploy();
		expect(second.status, second.stderr + second.stdout).toBe(0);
		const queues = productionQueues();
		// No database yet: the deploy provisions it, the migrations follow.
		expect(changes(second.calls)).toEqual([...queues.map((q) => `queues create ${q}`), DEPLOY, MIGRATE]);
		expect(acct.state()).toMatchObject({ databases: ["anychat"], buckets: ["anychat-files"] });
		expect(acct.state().queues.sort()).toEqual([...queues].sort());
	});

	it("on a rerun creates nothing and migrates before deploying", () => {
		const queues = productionQueues();
		// More queues than fit on one page of `queues list` (the stub shows two per page).
		const acct = account({
			worker: true,
			secrets: ["OTHER_SECRET", ...REQUIRED_SECRETS],
			queues: ["someone-elses-a", "someone-elses-b", ...queues, "someone-elses-c"],
			databases: ["other", "anychat"],
			buckets: ["anychat-files"],
		});
		for (let i = 0; i < 2; i++) {
			const r = acct.deploy();
			expect(r.status, r.stderr + r.stdout).toBe(0);
			expect(changes(r.calls)).toEqual([MIGRATE, DEPLOY]);
		}
	});

	it("names each missing secret and changes nothing", () => {
		const acct = account({
			worker: true,
			secrets: ["JWT_SECRET"],
			queues: productionQueues(),
			databases: ["anychat"],
			buckets: ["anychat-files"],
		});
		const r = acct.deploy();
		expect(r.status).not.toBe(0);
		const missing = REQUIRED_SECRETS.filter((s) => s !== "JWT_SECRET");
		expect(r.stderr.split("\n").filter((l) => l.startsWith("missing secret "))).toEqual(
			missing.map((name) => `missing secret ${name}: set it with  npx wrangler secret put ${name} --env production`),
		);
		expect(r.calls).toEqual(["secret list --env production --format json"]);
	});
});
