/**
 * Load shapes, each bounded by count and time, target-agnostic: they see only sockets that
 * speak the frames of `frames.ts`, so the product and both baselines run the same code.
 */
import { encodeSend } from "./frames";
import { treeRss } from "./procs";
import { type BenchSocket, closeAll, openMany } from "./sockets";
import { cpuMeter, type LatencySummary, round, sleep, summarize } from "./stats";

export interface Conv {
	id: string;
	type: "private" | "group";
	sender: BenchSocket;
	/** Latency is measured at this socket. */
	peer: BenchSocket;
	/** Further sockets that must receive every message too (e.g. the sender's second device). */
	extras: BenchSocket[];
}

let tagCounter = 0;
const runTag = Math.random().toString(36).slice(2, 8);
const nextTag = () => `bench-${runTag}-${++tagCounter}`;

export interface LoopResult {
	conversations: number;
	window: number;
	durationMs: number;
	sent: number;
	acked: number;
	msgPerSec: number;
	latencyMs: LatencySummary;
	peerReceived: number;
	extraReceived: number;
	/** Every acked message reached the peer and every extra socket. */
	complete: boolean;
	errors: string[];
	generatorCpuPct: number;
}

/** Closed loop: each conversation keeps `window` messages in flight (next send on ack). */
export async function closedLoop(
	convs: Conv[],
	opts: { window: number; durationMs: number; maxPerConv: number },
): Promise<LoopResult> {
	const sentAt = new Map<string, number>();
	const latencies: number[] = [];
	let stopped = false;
	let ackedInWindow = 0;
	const states = convs.map((c) => ({ c, inflight: 0, sent: 0, acked: 0, peer: 0, extras: c.extras.map(() => 0) }));
	const cpu = cpuMeter();
	const t0 = performance.now();
	let tStop = Number.POSITIVE_INFINITY;

	for (const s of states) {
		const pump = () => {
			while (!stopped && s.inflight < opts.window && s.sent < opts.maxPerConv) {
				const tag = nextTag();
				sentAt.set(tag, performance.now());
				s.c.sender.send(encodeSend({ conversationId: s.c.id, conversationType: s.c.type, content: tag, localId: tag }));
				s.inflight++;
				s.sent++;
			}
		};
		s.c.sender.onFrame = (f, at) => {
			if (f.kind !== "ack") return;
			s.inflight--;
			s.acked++;
			if (at <= tStop) ackedInWindow++;
			pump();
		};
		s.c.peer.onFrame = (f, at) => {
			if (f.kind !== "message" || f.conversationId !== s.c.id) return;
			s.peer++;
			const t = sentAt.get(f.content);
			if (t !== undefined) latencies.push(at - t);
		};
		s.c.extras.forEach((x, i) => {
			x.onFrame = (f) => {
				if (f.kind === "message" && f.conversationId === s.c.id) s.extras[i]!++;
			};
		});
		pump();
	}
	await sleep(opts.durationMs);
	stopped = true;
	tStop = performance.now();
	const durationMs = tStop - t0;
	const generatorCpuPct = cpu();
	// Drain: every sent message acked and delivered everywhere, or give up after 10 s.
	const settled = () =>
		states.every((s) => s.acked === s.sent && s.peer === s.acked && s.extras.every((n) => n === s.acked));
	const drainDeadline = performance.now() + 10_000;
	while (!settled() && performance.now() < drainDeadline) await sleep(20);
	for (const s of states) {
		s.c.sender.onFrame = () => {};
		s.c.peer.onFrame = () => {};
		for (const x of s.c.extras) x.onFrame = () => {};
	}
	const sum = (f: (s: (typeof states)[number]) => number) => states.reduce((a, s) => a + f(s), 0);
	return {
		conversations: convs.length,
		window: opts.window,
		durationMs: Math.round(durationMs),
		sent: sum((s) => s.sent),
		acked: sum((s) => s.acked),
		msgPerSec: Math.round((ackedInWindow / durationMs) * 1000),
		latencyMs: summarize(latencies),
		peerReceived: sum((s) => s.peer),
		extraReceived: sum((s) => s.extras.reduce((a, n) => a + n, 0)),
		complete: settled(),
		errors: convs.flatMap((c) => [c.sender, c.peer, ...c.extras].flatMap((x) => x.errors)).slice(0, 5),
		generatorCpuPct,
	};
}

export interface RateResult {
	conversations: number;
	targetMsgPerSec: number;
	achievedMsgPerSec: number;
	sent: number;
	delivered: number;
	latencyMs: LatencySummary;
	complete: boolean;
	errors: string[];
	generatorCpuPct: number;
	/** Filled in by the caller from /proc: the server's writes over the window, per message sent. */
	serverWritesPerMsg?: { syscalls: number; diskBytes: number };
}

/** Open loop: `rate` messages/s spread evenly over the conversations, whatever the acks do. */
export async function fixedRate(convs: Conv[], opts: { rate: number; durationMs: number }): Promise<RateResult> {
	const sentAt = new Map<string, number>();
	const latencies: number[] = [];
	let delivered = 0;
	let sent = 0;
	const intervalMs = (1000 * convs.length) / opts.rate;
	const cpu = cpuMeter();
	const t0 = performance.now();
	const due = convs.map((_, i) => t0 + (i * intervalMs) / convs.length);
	const maxMessages = Math.ceil((opts.rate * opts.durationMs) / 1000);
	for (const c of convs) {
		c.peer.onFrame = (f, at) => {
			if (f.kind !== "message" || f.conversationId !== c.id) return;
			const t = sentAt.get(f.content);
			if (t === undefined) return;
			delivered++;
			latencies.push(at - t);
			sentAt.delete(f.content);
		};
	}
	const end = t0 + opts.durationMs;
	while (performance.now() < end && sent < maxMessages) {
		const now = performance.now();
		let nextDue = end;
		convs.forEach((c, i) => {
			while (due[i]! <= now && sent < maxMessages) {
				const tag = nextTag();
				sentAt.set(tag, performance.now());
				c.sender.send(encodeSend({ conversationId: c.id, conversationType: c.type, content: tag, localId: tag }));
				sent++;
				due[i]! += intervalMs;
			}
			nextDue = Math.min(nextDue, due[i]!);
		});
		await sleep(Math.max(0, Math.min(5, nextDue - performance.now())));
	}
	const wall = performance.now() - t0;
	const generatorCpuPct = cpu();
	const drainDeadline = performance.now() + 10_000;
	while (delivered < sent && performance.now() < drainDeadline) await sleep(20);
	for (const c of convs) c.peer.onFrame = () => {};
	return {
		conversations: convs.length,
		targetMsgPerSec: opts.rate,
		achievedMsgPerSec: Math.round((sent / wall) * 1000),
		sent,
		delivered,
		latencyMs: summarize(latencies),
		complete: delivered === sent,
		errors: convs.flatMap((c) => [...c.sender.errors, ...c.peer.errors]).slice(0, 5),
		generatorCpuPct,
	};
}

export interface FanoutResult {
	members: number;
	messages: number;
	/** Per message: time until the last member had it. */
	timeToAllMs: LatencySummary;
	/** Per delivery: send → that member's receive. */
	deliveryMs: LatencySummary;
	/** Deliveries per second while a fan-out is running: (members − 1) / time-to-all, median. */
	deliveriesPerSec: number;
	missing: number;
	errors: string[];
	generatorCpuPct: number;
}

/** One sender, every other member online; `messages` sends, one per `intervalMs`. */
export async function fanout(
	conv: { id: string; type: "private" | "group" },
	sender: BenchSocket,
	receivers: BenchSocket[],
	opts: { messages: number; intervalMs: number; timeoutMs: number },
	/** Receives every raw time-to-all and delivery time, for summaries over several calls. */
	collect?: { toAll: number[]; deliveries: number[] },
): Promise<FanoutResult> {
	const pending = new Map<string, { at: number; got: number; done: (t: number) => void }>();
	const deliveries: number[] = [];
	const toAll: number[] = [];
	let missing = 0;
	for (const r of receivers) {
		r.onFrame = (f, at) => {
			if (f.kind !== "message" || f.conversationId !== conv.id) return;
			const p = pending.get(f.content);
			if (!p) return;
			deliveries.push(at - p.at);
			if (++p.got === receivers.length) p.done(at - p.at);
		};
	}
	const cpu = cpuMeter();
	const waits: Promise<void>[] = [];
	const t0 = performance.now();
	for (let k = 0; k < opts.messages; k++) {
		await sleep(Math.max(0, t0 + k * opts.intervalMs - performance.now()));
		const tag = nextTag();
		waits.push(
			new Promise<void>((resolve) => {
				const timer = setTimeout(() => {
					missing += receivers.length - (pending.get(tag)?.got ?? 0);
					pending.delete(tag);
					resolve();
				}, opts.timeoutMs);
				pending.set(tag, {
					at: performance.now(),
					got: 0,
					done: (t) => {
						clearTimeout(timer);
						toAll.push(t);
						pending.delete(tag);
						resolve();
					},
				});
			}),
		);
		sender.send(encodeSend({ conversationId: conv.id, conversationType: conv.type, content: tag, localId: tag }));
	}
	await Promise.all(waits);
	const generatorCpuPct = cpu();
	for (const r of receivers) r.onFrame = () => {};
	const t = summarize(toAll);
	collect?.toAll.push(...toAll);
	collect?.deliveries.push(...deliveries);
	return {
		members: receivers.length + 1,
		messages: opts.messages,
		timeToAllMs: t,
		deliveryMs: summarize(deliveries),
		deliveriesPerSec: t.p50 > 0 ? Math.round((receivers.length / t.p50) * 1000) : 0,
		missing,
		errors: [...sender.errors, ...receivers.flatMap((r) => r.errors)].slice(0, 5),
		generatorCpuPct,
	};
}

export interface MemoryStep {
	sockets: number;
	rssMiB: number;
	perSocketKiB: number;
	connectMs: number;
}

export interface MemoryResult {
	rootRssMiB: number;
	steps: MemoryStep[];
	/** At the last step: (RSS − RSS before any socket) / sockets. */
	perSocketKiB: number;
	/** Slope between the second and the last step: the cost of one more socket, warm-up excluded. */
	marginalKiB: number;
	alive: string;
	generatorCpuPct: number;
}

/** Opens idle sockets in steps and reads the server tree's RSS after each step. */
export async function holdIdle(urls: string[], steps: number[], serverPid: number, settleMs = 1000) {
	const cpu = cpuMeter();
	await sleep(500);
	const before = treeRss(serverPid).bytes;
	const sockets: BenchSocket[] = [];
	const rows: MemoryStep[] = [];
	try {
		for (const step of steps) {
			const t = performance.now();
			sockets.push(...(await openMany(urls.slice(sockets.length, step))));
			const connectMs = Math.round(performance.now() - t);
			await sleep(settleMs);
			const rss = treeRss(serverPid).bytes;
			rows.push({
				sockets: sockets.length,
				rssMiB: round(rss / 2 ** 20, 1),
				perSocketKiB: round((rss - before) / 1024 / sockets.length, 1),
				connectMs,
			});
		}
		// The sockets are live, not just counted: a sample answers ping with pong.
		const sample = sockets.filter((_, i) => i % Math.max(1, Math.floor(sockets.length / 20)) === 0);
		let pongs = 0;
		for (const s of sample)
			s.onFrame = (f) => {
				if (f.kind === "other" && f.type === "pong") pongs++;
			};
		for (const s of sample) s.send('{"type":"ping","payload":null}');
		const deadline = performance.now() + 5000;
		while (pongs < sample.length && performance.now() < deadline) await sleep(20);
		return {
			rootRssMiB: round(before / 2 ** 20, 1),
			steps: rows,
			perSocketKiB: rows.at(-1)?.perSocketKiB ?? 0,
			marginalKiB: marginal(rows),
			alive: `${pongs}/${sample.length} sampled sockets answered ping`,
			generatorCpuPct: cpu(),
		} satisfies MemoryResult;
	} finally {
		await closeAll(sockets);
	}
}

function marginal(rows: MemoryStep[]): number {
	const a = rows.length > 1 ? rows[1]! : undefined;
	const b = rows.at(-1);
	if (!a || !b || b.sockets === a.sockets) return rows.at(-1)?.perSocketKiB ?? 0;
	return round(((b.rssMiB - a.rssMiB) * 1024) / (b.sockets - a.sockets), 1);
}

export interface RestResult {
	/** Which server answered (the product, or the platform baseline's floor). */
	target: string;
	path: string;
	concurrency: number;
	requests: number;
	reqPerSec: number;
	latencyMs: LatencySummary;
	failures: number;
	generatorCpuPct: number;
}

/** `concurrency` clients in a closed loop on one GET for `durationMs`. */
export async function restLoad(
	url: string,
	tokens: string[],
	opts: { concurrency: number; durationMs: number; maxRequests: number; target?: string; envelope?: boolean },
): Promise<RestResult> {
	const latencies: number[] = [];
	let failures = 0;
	let issued = 0;
	const cpu = cpuMeter();
	const t0 = performance.now();
	const end = t0 + opts.durationMs;
	await Promise.all(
		Array.from({ length: opts.concurrency }, async (_, i) => {
			const auth = { authorization: `Bearer ${tokens[i % tokens.length]}` };
			while (performance.now() < end && issued < opts.maxRequests) {
				issued++;
				const t = performance.now();
				try {
					const res = await fetch(url, { headers: auth, signal: AbortSignal.timeout(10_000) });
					if (opts.envelope === false) {
						await res.arrayBuffer();
						if (!res.ok) failures++;
					} else {
						const body = (await res.json()) as { code: number };
						if (body.code !== 0) failures++;
					}
				} catch {
					failures++;
				}
				latencies.push(performance.now() - t);
			}
		}),
	);
	const wall = performance.now() - t0;
	return {
		target: opts.target ?? "product",
		path: new URL(url).pathname + new URL(url).search,
		concurrency: opts.concurrency,
		requests: latencies.length,
		reqPerSec: Math.round((latencies.length / wall) * 1000),
		latencyMs: summarize(latencies),
		failures,
		generatorCpuPct: cpu(),
	};
}
