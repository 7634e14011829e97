/**
 * `npx tsx bench/profile.ts [one|w32|parallel|rate|fanout] [members]`: CPU profile of the product's
 * workerd isolate (Worker and all Durable Objects share it) while the generator runs one
 * scenario, taken over wrangler's inspector port (Chrome DevTools Protocol). Prints the
 * functions with the most self time and the share of idle time (waiting on disk syncs etc.).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { Api, type BenchUser, privateConversationId } from "./lib/api";
import { freePort, installCleanup, PRODUCT_VARS, runOnce, startChild, stop, waitHealthy } from "./lib/procs";
import { type Conv, closedLoop, fanout, fixedRate } from "./lib/scenarios";
import { closeAll, openMany, pool, productTarget } from "./lib/sockets";
import { round, sleep } from "./lib/stats";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const mode = process.argv[2] ?? "one";
const members = Number(process.argv[3] ?? 300);

interface ProfileNode {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number; scriptId: string };
	children?: number[];
}

class Cdp {
	private id = 0;
	private waiting = new Map<number, (r: any) => void>();
	private constructor(private ws: WebSocket) {
		ws.on("message", (d) => {
			const msg = JSON.parse(d.toString());
			if (msg.id !== undefined) this.waiting.get(msg.id)?.(msg.result ?? msg.error);
		});
	}
	static async connect(port: number): Promise<Cdp> {
		const list = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as { webSocketDebuggerUrl: string }[];
		const url = list[0]?.webSocketDebuggerUrl;
		if (!url) throw new Error("no inspector target");
		const ws = new WebSocket(url);
		await new Promise((r, j) => {
			ws.once("open", r);
			ws.once("error", j);
		});
		return new Cdp(ws);
	}
	call(method: string, params: object = {}): Promise<any> {
		const id = ++this.id;
		this.ws.send(JSON.stringify({ id, method, params }));
		return new Promise((r) => this.waiting.set(id, r));
	}
	close() {
		this.ws.close();
	}
}

async function main() {
	installCleanup();
	const dir = await mkdtemp(join(os.tmpdir(), "anychat-profile-"));
	const env = {
		...process.env,
		WRANGLER_SEND_METRICS: "false",
		CLOUDFLARE_CF_FETCH_ENABLED: "false",
		X_LOCAL_OBSERVABILITY: "false",
	};
	await runOnce(
		process.execPath,
		[WRANGLER, "d1", "migrations", "apply", "DB", "--local", "--persist-to", join(dir, "state")],
		{ cwd: ROOT, env: { ...env, CI: "1" }, logFile: join(dir, "migrate.log"), timeoutMs: 90_000 },
	);
	const port = await freePort();
	const inspector = await freePort();
	const logFile = join(dir, "product.log");
	const child = startChild(
		process.execPath,
		[
			WRANGLER,
			"dev",
			"--ip",
			"127.0.0.1",
			"--port",
			String(port),
			"--inspector-port",
			String(inspector),
			"--persist-to",
			join(dir, "state"),
			"--log-level",
			"warn",
			"--show-interactive-dev-session=false",
			...PRODUCT_VARS,
		],
		{ cwd: ROOT, env, logFile },
	);
	await waitHealthy(`http://127.0.0.1:${port}/health`, child, 90_000, logFile);
	const api = new Api(`http://127.0.0.1:${port}`);
	const target = productTarget(port);
	const need = mode === "fanout" ? members : mode === "parallel" || mode === "rate" ? 200 : 2;
	const users: BenchUser[] = await pool(
		Array.from({ length: need }, (_, i) => i),
		4,
		(i) => api.register(i, "prof"),
	);
	const u = (i: number) => users[i]!;

	let run: () => Promise<unknown>;
	let cleanup: () => Promise<void>;
	if (mode === "fanout") {
		const groupId = await api.createGroup(u(0), "prof", users.slice(1));
		const sockets = await openMany(users.map((x) => target.socketUrl(x, "")));
		run = () =>
			fanout({ id: groupId, type: "group" }, sockets[0]!, sockets.slice(1), {
				messages: 5,
				intervalMs: 1000,
				timeoutMs: 20_000,
			});
		cleanup = () => closeAll(sockets);
	} else {
		const pairs = mode === "parallel" || mode === "rate" ? 100 : 1;
		for (let k = 0; k < pairs; k++) {
			await api.openToFriends(u(2 * k + 1));
			await api.befriend(u(2 * k), u(2 * k + 1));
		}
		// PROFILE_GROUP=1: the pair users are also members of one group of them all, as in the full bench.
		if (mode === "rate" && process.env.PROFILE_GROUP) await api.createGroup(u(0), "prof", users.slice(1));
		const second = await api.login(u(0), "d2");
		const urls = users.map((x) => target.socketUrl(x, ""));
		const sockets = await openMany(urls);
		const extra =
			mode === "parallel" || mode === "rate"
				? []
				: await openMany([target.socketUrl({ userId: u(0).userId, token: second }, "")]);
		const convs: Conv[] = Array.from({ length: pairs }, (_, k) => ({
			id: privateConversationId(u(2 * k).userId, u(2 * k + 1).userId),
			type: "private",
			sender: sockets[2 * k]!,
			peer: sockets[2 * k + 1]!,
			extras: k === 0 ? extra : [],
		}));
		const window = mode === "w32" ? 32 : 1;
		await closedLoop(convs, { window, durationMs: 500, maxPerConv: 100_000 });
		run =
			mode === "rate"
				? () => fixedRate(convs.slice(0, 50), { rate: 500, durationMs: 4000 })
				: () => closedLoop(convs, { window, durationMs: 3000, maxPerConv: 100_000 });
		cleanup = () => closeAll([...sockets, ...extra]);
	}

	const cdp = await Cdp.connect(inspector);
	await cdp.call("Profiler.enable");
	await cdp.call("Profiler.setSamplingInterval", { interval: 200 });
	await cdp.call("Profiler.start");
	const heapBefore = await cdp.call("Runtime.getHeapUsage");
	const result = await run();
	const heapAfter = await cdp.call("Runtime.getHeapUsage");
	const { profile } = (await cdp.call("Profiler.stop")) as {
		profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
	};
	// The bundle's source, so an anonymous function is named by the line it starts on.
	await cdp.call("Debugger.enable");
	const sources = new Map<string, string[]>();
	for (const id of new Set(profile.nodes.map((n) => n.callFrame.scriptId))) {
		if (!id || id === "0") continue;
		const r = await cdp.call("Debugger.getScriptSource", { scriptId: id });
		if (typeof r?.scriptSource === "string") sources.set(id, r.scriptSource.split("\n"));
	}
	cdp.close();
	await cleanup();

	const byId = new Map(profile.nodes.map((n) => [n.id, n]));
	const parentOf = new Map<number, number>();
	for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
	const keyOf = (f: ProfileNode["callFrame"]) => {
		const file = f.url.split("/").slice(-2).join("/");
		const name =
			f.functionName || `(anonymous: ${sources.get(f.scriptId)?.[f.lineNumber]?.trim().slice(0, 60) ?? "?"})`;
		return `${name} ${file}:${f.lineNumber + 1}`;
	};
	const self = new Map<string, number>();
	/** Time with the function anywhere on the stack (once per sample, however deep the recursion). */
	const inclusive = new Map<string, number>();
	let total = 0;
	profile.samples.forEach((id, i) => {
		const dt = profile.timeDeltas[i] ?? 0;
		total += dt;
		const key = keyOf(byId.get(id)!.callFrame);
		self.set(key, (self.get(key) ?? 0) + dt);
		const seen = new Set<string>();
		for (let n: number | undefined = id; n !== undefined; n = parentOf.get(n)) {
			const f = byId.get(n)!.callFrame;
			if (f.functionName.startsWith("(") || !f.url) continue;
			const k = keyOf(f);
			if (!seen.has(k)) inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
			seen.add(k);
		}
	});
	console.log(JSON.stringify(result, null, 1).slice(0, 1500));
	// Pauses: the longest unbroken runs of one kind of sample (a major GC shows up here).
	const runs: { what: string; ms: number }[] = [];
	let cur = { what: "", ms: 0 };
	profile.samples.forEach((id, i) => {
		const f = byId.get(id)!.callFrame;
		const what = f.functionName.startsWith("(") ? f.functionName : "(js)";
		if (what === cur.what) cur.ms += (profile.timeDeltas[i] ?? 0) / 1000;
		else {
			if (cur.what) runs.push(cur);
			cur = { what, ms: (profile.timeDeltas[i] ?? 0) / 1000 };
		}
	});
	runs.push(cur);
	const longest = runs
		.filter((r) => r.what !== "(idle)")
		.sort((a, b) => b.ms - a.ms)
		.slice(0, 8);
	const mib = (h: { usedSize?: number; totalSize?: number }) =>
		`${round((h?.usedSize ?? 0) / 2 ** 20, 1)}/${round((h?.totalSize ?? 0) / 2 ** 20, 1)} MiB`;
	console.log(`isolate heap used/total: before ${mib(heapBefore)}, after ${mib(heapAfter)}`);
	console.log(`longest busy runs: ${longest.map((r) => `${r.what} ${round(r.ms, 1)} ms`).join(", ")}`);
	console.log(`\nprofile: ${round(total / 1000, 0)} ms sampled; self time, top 30:`);
	for (const [k, v] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
		console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
	}
	console.log("\ninclusive time (the function or anything it called), top 30:");
	for (const [k, v] of [...inclusive.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
		console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
	}
	await stop(child);
	await sleep(100);
	await rm(dir, { recursive: true, force: true });
	process.exit(0);
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
