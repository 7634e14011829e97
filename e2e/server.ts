import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const npm = "npm";
const env = {
	...process.env,
	WRANGLER_SEND_METRICS: "false",
	CLOUDFLARE_CF_FETCH_ENABLED: "false",
	X_LOCAL_OBSERVABILITY: "false",
};

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const s = createServer();
		s.once("error", reject);
		s.listen(0, "127.0.0.1", () => {
			const port = (s.address() as { port: number }).port;
			s.close(() => resolve(port));
		});
	});
}

/**
 * Per-user limits (README, Configuration) raised far above what a load test sends, through the
 * documented `--var` settings: message sends and WebSocket upgrades.
 */
export const LOAD_VARS: Record<string, string> = {
	RATE_MESSAGE_BURST: "1000000",
	RATE_MESSAGE_PER_SEC: "1000000",
	RATE_WS_CONNECT_BURST: "1000000",
	RATE_WS_CONNECT_PER_SEC: "1000000",
};

export interface DevServerOptions {
	/** Extra `--var NAME:VALUE` settings (e.g. raised RATE_* limits for load tests). */
	vars?: Record<string, string>;
}

export interface DevServer {
	url: string;
	log: () => string;
	/** Ends wrangler and its workerd children (SIGTERM) and removes the state directory. */
	stop: () => Promise<void>;
	/** A crash: SIGKILL to the whole process group; the state directory stays for `restart`. */
	kill: () => Promise<void>;
	/** Starts `wrangler dev` again on the same port and state directory (after `kill`). */
	restart: () => Promise<void>;
}

/**
 * A fresh system as `npm start` serves it (scripts/start.sh: migrations, then wrangler dev behind
 * the relay of scripts/front-relay.ts) on a free port with its own state directory.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
	const persist = mkdtempSync(join(tmpdir(), "anychat-e2e-"));
	const port = await freePort();
	const vars = Object.entries(options.vars ?? {}).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
	let output = "";
	let child: ChildProcess | null = null;
	const url = `http://127.0.0.1:${port}`;

	const spawnServer = () => {
		// Its own process group, so a stop or a kill ends npm, the relay, wrangler and workerd together.
		// `npm test:e2e` built the console once already (SKIP_BUILD).
		const c = spawn(npm, ["start", "--", ...vars], {
			cwd: root,
			env: { ...env, PORT: String(port), PERSIST_TO: persist, SKIP_BUILD: "1" },
			detached: true,
			stdio: ["ignore", "pipe", "pipe"],
		});
		c.stdout?.on("data", (d) => (output += d));
		c.stderr?.on("data", (d) => (output += d));
		child = c;
		return c;
	};

	const signal = async (sig: NodeJS.Signals) => {
		const c = child;
		if (!c?.pid || c.exitCode !== null || c.signalCode !== null) return;
		const exited = new Promise((r) => c.once("exit", r));
		try {
			process.kill(-c.pid, sig);
		} catch {
			// already gone
		}
		await exited;
		if (sig === "SIGKILL") {
			// workerd may outlive its parent for a moment: wait until nothing in the group is left.
			for (let i = 0; i < 100; i++) {
				try {
					process.kill(-c.pid, 0);
				} catch {
					return;
				}
				await new Promise((r) => setTimeout(r, 50));
			}
		}
	};

	const stop = async () => {
		await signal("SIGTERM");
		rmSync(persist, { recursive: true, force: true });
	};
	const kill = () => signal("SIGKILL");

	const waitHealthy = async (c: ChildProcess) => {
		for (let i = 0; i < 240; i++) {
			if (c.exitCode !== null) break;
			try {
				if ((await fetch(`${url}/health`)).ok) return true;
			} catch {
				// not listening yet
			}
			await new Promise((r) => setTimeout(r, 250));
		}
		return false;
	};

	const restart = async () => {
		await kill();
		if (!(await waitHealthy(spawnServer()))) {
			const log = output;
			await stop();
			throw new Error(`npm start did not restart:\n${log}`);
		}
	};

	if (await waitHealthy(spawnServer())) return { url, log: () => output, stop, kill, restart };
	await stop();
	throw new Error(`npm start did not start:\n${output}`);
}
