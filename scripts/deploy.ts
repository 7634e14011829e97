/**
 * `npm run deploy`: the production deployment ([env.production] in wrangler.toml) on any
 * Cloudflare account, the first time and every time after (a rerun creates nothing that exists).
 *
 * 1. The required secrets (domain/secrets.ts, the list the Worker itself enforces) must be set:
 *    one line per missing one, how to set it, and nothing is changed. On a new account the Worker
 *    does not exist yet, so all are missing; `wrangler secret put` creates it (a draft without
 *    code) with the secret.
 * 2. Every Queue the production config names (producers, consumers, dead-letter queues) is
 *    created when `wrangler queues list` does not show it.
 * 3. The web console is built (`npm run build`; SKIP_BUILD=1 skips it).
 * 4. D1 migrations and `wrangler deploy --env production`. Wrangler's automatic provisioning
 *    creates the D1 database and the R2 bucket by their names on the first deploy (and finds
 *    them by name afterwards), so no account-specific ID lives in the repository. Once the
 *    database exists, migrations go first: they only add, so the running code keeps working
 *    with them, and the new code never serves without its tables. On the first deploy there is
 *    no database to migrate before the deploy creates it: the migrations follow the deploy, and
 *    until they are applied (seconds) the new, still empty service answers with errors.
 *
 * `wrangler` is whatever is first on PATH (npm puts node_modules/.bin there); it runs without a
 * terminal on stdin, so it never prompts and never writes the provisioned IDs back into
 * wrangler.toml. Not logged in: run `npx wrangler login` (or set CLOUDFLARE_API_TOKEN) first.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { experimental_readRawConfig } from "wrangler";
import { REQUIRED_SECRETS } from "../domain/secrets";

const ROOT = new URL("..", import.meta.url).pathname;
const ENV = "production";
const DB_BINDING = "DB";
/** `wrangler queues list` pages; a deployment with more queues than this many pages is not ours. */
const MAX_QUEUE_PAGES = 50;

interface Run {
	status: number;
	stdout: string;
	stderr: string;
}

function run(command: string, args: string[], show: boolean): Run {
	const r = spawnSync(command, args, {
		cwd: ROOT,
		encoding: "utf8",
		env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
		stdio: show ? ["ignore", "inherit", "inherit"] : ["ignore", "pipe", "pipe"],
	});
	if (r.error) throw new Error(`cannot run ${command}: ${r.error.message}`);
	return { status: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

const wrangler = (args: string[], show = false) => run("wrangler", args, show);

function stop(message: string, output?: Run): never {
	if (output) process.stderr.write(output.stderr || output.stdout);
	console.error(`deploy: ${message}`);
	process.exit(1);
}

/** Must succeed; its output is shown as it runs. */
function step(what: string, args: string[]): void {
	console.log(`deploy: ${what}: wrangler ${args.join(" ")}`);
	const r = wrangler(args, true);
	if (r.status !== 0) stop(`${what} failed (wrangler exited ${r.status})`);
}

type RawQueues = {
	producers?: { queue: string }[];
	consumers?: { queue: string; dead_letter_queue?: string }[];
};

/** The production environment as written in wrangler.toml (wrangler's own parser). */
function productionConfig() {
	const { rawConfig } = experimental_readRawConfig({ config: join(ROOT, "wrangler.toml") });
	const env = rawConfig.env?.[ENV];
	if (!env) stop(`wrangler.toml has no [env.${ENV}]`);
	return env;
}

/** Every queue the production config binds: producers, consumers and their dead-letter queues. */
function queuesOf(queues: RawQueues | undefined): string[] {
	const names = [
		...(queues?.producers ?? []).map((p) => p.queue),
		...(queues?.consumers ?? []).flatMap((c) => [c.queue, c.dead_letter_queue ?? []].flat()),
	];
	return [...new Set(names)];
}

function missingSecrets(): string[] {
	const r = wrangler(["secret", "list", "--env", ENV, "--format", "json"]);
	if (r.status !== 0) {
		// A first deploy: the Worker does not exist, so none of its secrets do.
		if (/not found/i.test(r.stdout + r.stderr)) return [...REQUIRED_SECRETS];
		stop("cannot list the Worker's secrets (logged in? `npx wrangler login`)", r);
	}
	const json = r.stdout.slice(r.stdout.indexOf("["), r.stdout.lastIndexOf("]") + 1);
	let set: Set<string>;
	try {
		set = new Set((JSON.parse(json) as { name: string }[]).map((s) => s.name));
	} catch {
		stop("cannot read `wrangler secret list` output", r);
	}
	return REQUIRED_SECRETS.filter((name) => !set.has(name));
}

/** The cells of wrangler's table output (`│ a │ b │` rows); the header row's too, which names no queue. */
const tableCells = (text: string) =>
	text
		.split("\n")
		.filter((line) => line.includes("│"))
		.flatMap((line) => line.split("│").map((cell) => cell.trim()))
		.filter(Boolean);

function existingQueues(): Set<string> {
	const names = new Set<string>();
	for (let page = 1; page <= MAX_QUEUE_PAGES; page++) {
		const r = wrangler(["queues", "list", "--page", String(page)]);
		if (r.status !== 0) stop("cannot list queues", r);
		const before = names.size;
		for (const cell of tableCells(r.stdout)) names.add(cell);
		if (names.size === before) break;
	}
	return names;
}

function databaseExists(name: string): boolean {
	const r = wrangler(["d1", "list", "--json"]);
	if (r.status !== 0) stop("cannot list D1 databases", r);
	try {
		const json = r.stdout.slice(r.stdout.indexOf("["), r.stdout.lastIndexOf("]") + 1);
		return (JSON.parse(json) as { name: string }[]).some((d) => d.name === name);
	} catch {
		stop("cannot read `wrangler d1 list --json` output", r);
	}
}

function main(): void {
	const config = productionConfig();

	const missing = missingSecrets();
	if (missing.length) {
		for (const name of missing)
			console.error(`missing secret ${name}: set it with  npx wrangler secret put ${name} --env ${ENV}`);
		stop(`${missing.length} required secret(s) missing; nothing was deployed`);
	}

	const wanted = queuesOf(config.queues as RawQueues | undefined);
	const existing = existingQueues();
	for (const queue of wanted.filter((q) => !existing.has(q)))
		step(`creating queue ${queue}`, ["queues", "create", queue]);

	if (process.env.SKIP_BUILD !== "1") {
		console.log("deploy: building the web console");
		if (run("npm", ["run", "build"], true).status !== 0) stop("the console build failed");
	}

	const database = config.d1_databases?.find((d) => d.binding === DB_BINDING)?.database_name;
	if (!database) stop(`[env.${ENV}] binds no D1 database ${DB_BINDING} with a database_name`);
	const migrate = ["d1", "migrations", "apply", DB_BINDING, "--remote", "--env", ENV];
	const deploy = ["deploy", "--env", ENV];
	if (databaseExists(database)) {
		step("applying D1 migrations", migrate);
		step("deploying", deploy);
	} else {
		step("deploying (first deploy: provisions the D1 database and the R2 bucket)", deploy);
		step("applying D1 migrations", migrate);
	}
	console.log("deploy: done");
}

main();
