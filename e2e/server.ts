import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const root = new URL("..", import.meta.url).pathname;
const wrangler = join(root, "node_modules/.bin/wrangler");
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

export interface DevServer {
	url: string;
	log: () => string;
	stop: () => Promise<void>;
}

/**
 * A fresh `wrangler dev` on a free port with its own state directory (migrations applied).
 * `vars` override wrangler.toml's variables (`--var KEY:VALUE`), e.g. to raise a rate limit.
 */
export async function startDevServer(vars: Record<string, string> = {}): Promise<DevServer> {
	const persist = mkdtempSync(join(tmpdir(), "anychat-e2e-"));
	const port = await freePort();
	// The default inspector port (9229) may belong to another wrangler on the machine.
	const inspectorPort = await freePort();
	await promisify(execFile)(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], {
		cwd: root,
		env,
	});
	let output = "";
	// Its own process group, so stopping it ends wrangler and its workerd children together.
	const child: ChildProcess = spawn(
		wrangler,
		[
			"dev",
			"--ip",
			"127.0.0.1",
			"--port",
			String(port),
			"--inspector-port",
			String(inspectorPort),
			"--persist-to",
			persist,
			// The documented development admin password (README); never built into the code.
			"--var",
			"ADMIN_BOOTSTRAP_PASSWORD:Admin@123456",
			...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
		],
		{
			cwd: root,
			env,
			detached: true,
			stdio: ["ignore", "pipe", "pipe"],
		},
	);
	child.stdout?.on("data", (d) => (output += d));
	child.stderr?.on("data", (d) => (output += d));
	const url = `http://127.0.0.1:${port}`;
	const stop = async () => {
		if (child.exitCode === null && child.pid) {
			try {
				process.kill(-child.pid, "SIGTERM");
			} catch {
				// already gone
			}
			await new Promise((r) => child.once("exit", r));
		}
		rmSync(persist, { recursive: true, force: true });
	};
	for (let i = 0; i < 240; i++) {
		if (child.exitCode !== null) break;
		try {
			if ((await fetch(`${url}/health`)).ok) return { url, log: () => output, stop };
		} catch {
			// not listening yet
		}
		await new Promise((r) => setTimeout(r, 250));
	}
	await stop();
	throw new Error(`wrangler dev did not start:\n${output}`);
}
