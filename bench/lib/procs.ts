import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { sleep } from "./stats";

/** Every child we start; killed (whole process group) on exit, Ctrl-C or a crash. */
const children = new Set<ChildProcess>();

function killAll(signal: NodeJS.Signals = "SIGTERM"): void {
	for (const child of children) {
		if (child.pid && child.exitCode === null) {
			try {
				process.kill(-child.pid, signal);
			} catch {
				// Already gone.
			}
		}
	}
}

let installed = false;
export function installCleanup(): void {
	if (installed) return;
	installed = true;
	process.on("exit", () => killAll("SIGKILL"));
	for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
		process.on(sig, () => {
			console.error(`\nbench: ${sig}, stopping children`);
			killAll();
			process.exit(130);
		});
	}
}

/** Stops one child's process group and waits (bounded) for it to exit. */
export async function stop(child: ChildProcess): Promise<void> {
	if (!child.pid || child.exitCode !== null) return;
	const exited = new Promise<void>((r) => child.once("exit", () => r()));
	try {
		process.kill(-child.pid, "SIGTERM");
	} catch {
		return;
	}
	const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
	if (!done) {
		try {
			process.kill(-child.pid, "SIGKILL");
		} catch {
			// Gone meanwhile.
		}
	}
	children.delete(child);
}

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = createServer();
		srv.once("error", reject);
		srv.listen(0, "127.0.0.1", () => {
			const addr = srv.address();
			const port = typeof addr === "object" && addr ? addr.port : 0;
			srv.close(() => resolve(port));
		});
	});
}

/** Starts a long-running child in its own process group, output to `logFile`. */
export function startChild(
	cmd: string,
	args: string[],
	opts: { cwd: string; env: NodeJS.ProcessEnv; logFile: string },
) {
	const log = createWriteStream(opts.logFile);
	const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
	child.stdout!.pipe(log);
	child.stderr!.pipe(log);
	children.add(child);
	child.once("exit", () => children.delete(child));
	return child;
}

/** Runs a command to completion (bounded); rejects on a non-zero exit. */
export function runOnce(
	cmd: string,
	args: string[],
	opts: { cwd: string; env: NodeJS.ProcessEnv; logFile: string; timeoutMs: number },
): Promise<void> {
	const child = startChild(cmd, args, opts);
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			void stop(child);
			reject(new Error(`${cmd} ${args.join(" ")} timed out; see ${opts.logFile}`));
		}, opts.timeoutMs);
		child.once("exit", (code) => {
			clearTimeout(timer);
			if (code === 0) resolve();
			else reject(new Error(`${cmd} ${args.join(" ")} exited ${code}; see ${opts.logFile}`));
		});
	});
}

/** Polls `url` until it answers 200 (bounded). */
export async function waitHealthy(url: string, child: ChildProcess, timeoutMs: number, logFile: string): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}); see ${logFile}`);
		try {
			const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
			if (res.ok) return;
		} catch {
			// Not up yet.
		}
		await sleep(200);
	}
	throw new Error(`${url} not healthy after ${timeoutMs} ms; see ${logFile}`);
}

/**
 * The fields of /proc/<pid>/stat after the parenthesised command name (which may contain
 * spaces): [0] state, [1] ppid, … [11] utime, [12] stime (clock ticks).
 */
const statFields = (pid: number | string) => {
	const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
	return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
};

/** PIDs of `root` and all its descendants, from /proc. */
export function processTree(root: number): number[] {
	const parentOf = new Map<number, number>();
	for (const name of readdirSync("/proc")) {
		if (!/^\d+$/.test(name)) continue;
		try {
			parentOf.set(Number(name), Number(statFields(name)[1]));
		} catch {
			// Exited while we looked.
		}
	}
	const tree = [root];
	for (let i = 0; i < tree.length; i++) {
		for (const [pid, ppid] of parentOf) if (ppid === tree[i]) tree.push(pid);
	}
	return tree;
}

/** Sum of VmRSS (bytes) over a process tree, with each process's name. */
export function treeRss(root: number): { bytes: number; processes: { pid: number; name: string; rssMiB: number }[] } {
	let bytes = 0;
	const processes: { pid: number; name: string; rssMiB: number }[] = [];
	for (const pid of processTree(root)) {
		try {
			const status = readFileSync(`/proc/${pid}/status`, "utf8");
			const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
			const name = /Name:\s+(\S+)/.exec(status)?.[1] ?? "?";
			bytes += rssKb * 1024;
			processes.push({ pid, name, rssMiB: Math.round(rssKb / 102.4) / 10 });
		} catch {
			// Exited.
		}
	}
	return { bytes, processes };
}

/**
 * Write syscalls and bytes written (wchar) summed over a process tree, from /proc/<pid>/io, and
 * its CPU time (user + system, clock ticks of 10 ms) from /proc/<pid>/stat.
 */
export function treeIo(root: number): { syscw: number; wchar: number; diskBytes: number; cpuTicks: number } {
	let cpuTicks = 0;
	let syscw = 0;
	let wchar = 0;
	let diskBytes = 0;
	for (const pid of processTree(root)) {
		try {
			const io = readFileSync(`/proc/${pid}/io`, "utf8");
			syscw += Number(/syscw:\s+(\d+)/.exec(io)?.[1] ?? 0);
			wchar += Number(/wchar:\s+(\d+)/.exec(io)?.[1] ?? 0);
			diskBytes += Number(/^write_bytes:\s+(\d+)/m.exec(io)?.[1] ?? 0);
			const fields = statFields(pid);
			cpuTicks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
		} catch {
			// Exited.
		}
	}
	return { syscw, wchar, diskBytes, cpuTicks };
}

/**
 * The product as a user deploys it, except per-user limits raised through their documented
 * settings (this measures throughput, not abuse protection) and a group limit above 1,000.
 */
export const PRODUCT_VARS = [
	"GROUP_MAX_MEMBERS:20000",
	...["RATE_MESSAGE", "RATE_FRIEND_REQUEST", "RATE_GROUP_CREATE", "RATE_UPLOAD_TOKEN", "RATE_WS_CONNECT"].map(
		(limit) => `${limit}_BURST:0`,
	),
].flatMap((v) => ["--var", v]);
