/**
 * What `npm start` runs after the build and the migrations: `wrangler dev` on an internal
 * loopback port, and in front of it, on HOST:PORT, the relay of front-relay.ts (why: see there).
 * Arguments are passed to `wrangler dev` (`npm start -- --var NAME:VALUE`). Signals go to wrangler;
 * this process ends with it.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { startFrontRelay } from "./front-relay";

const root = new URL("..", import.meta.url).pathname;
const host = process.env.HOST || "127.0.0.1";
const port = Number(process.env.PORT || 8080);
const persist = process.env.PERSIST_TO || ".wrangler/state";

const freePort = () =>
	new Promise<number>((resolve, reject) => {
		const s = createServer();
		s.once("error", reject);
		s.listen(0, "127.0.0.1", () => {
			const p = (s.address() as { port: number }).port;
			s.close(() => resolve(p));
		});
	});

const internal = await freePort();
const inspector = process.env.INSPECTOR_PORT || String(await freePort());
const wrangler = spawn(
	join(root, "node_modules/.bin/wrangler"),
	[
		"dev",
		"--ip",
		"127.0.0.1",
		"--port",
		String(internal),
		"--inspector-port",
		inspector,
		"--persist-to",
		persist,
		...process.argv.slice(2),
	],
	{ cwd: root, stdio: "inherit", env: process.env },
);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, () => wrangler.kill(sig));
wrangler.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

// The relay listens at once (connections wait for wrangler); readiness is said when /health answers.
const relay = await startFrontRelay({ host, port }, { host: "127.0.0.1", port: internal });
relay.on("error", (e) => console.error("anychat: relay error", String(e)));
for (let i = 0; i < 600; i++) {
	try {
		if ((await fetch(`http://127.0.0.1:${internal}/health`)).ok) break;
	} catch {
		// not listening yet
	}
	await new Promise((r) => setTimeout(r, 200));
}
console.log(`anychat: serving http://${host}:${port} (wrangler dev on 127.0.0.1:${internal})`);
