/**
 * Scenario 8 (issue 16): message search. Seeds one private conversation with 100,000 messages
 * and another user's 200 group conversations with a few messages each, all through the real
 * send path (`message.send` on a WebSocket, many in flight, which the product stores in batches),
 * then measures `GET /messages/search` one request at a time: in the big conversation
 * (conversationId given) and across the 200 (omitted). Keywords mix a rare English word, a common
 * one, a prefix, a two-character Chinese word and a word that is nowhere.
 */
import type { Api, BenchUser } from "./api";
import { privateConversationId } from "./api";
import { encodeSend, type OutgoingMessage } from "./frames";
import { BenchSocket, closeAll, pool } from "./sockets";
import { cpuMeter, type LatencySummary, round, summarize } from "./stats";

const num = (name: string, fallback: number) => {
	const n = Number(process.env[name]);
	return Number.isFinite(n) && n > 0 ? n : fallback;
};

export const SEARCH = {
	/** Messages in the one big conversation (`BENCH_SEARCH_MESSAGES` shrinks it while developing). */
	bigMessages: num("BENCH_SEARCH_MESSAGES", 100_000),
	conversations: 200,
	perConversation: 5,
	/** Messages in flight on the seeding socket. */
	window: 256,
	/** Measured searches per place, after a few unmeasured ones. */
	queries: 100,
	warmup: 5,
};

/** Deterministic words: the same corpus every run. */
function random(seed: number) {
	let s = seed >>> 0;
	return () => {
		s = (s + 0x6d2b79f5) >>> 0;
		let t = s;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "be", "da", "fu", "go", "hi", "ju", "pe", "zo"];
/** 1,000 made-up English-like words: each message has 8 of them, so one is in about 0.8 % of messages. */
const WORDS = Array.from({ length: 1000 }, (_, i) =>
	[i % 16, (i >> 4) % 16, (i >> 8) % 16].map((k, j) => SYLLABLES[(k + j * 5) % 16]).join(""),
);
/** Two-character Chinese words; each message has two of them. */
const HANZI =
	"你好明天会议项目报告今天晚上周末电话邮件文件时间地点朋友家人公司客户问题方案价格合同计划结果数据系统网络服务";
const CN_WORDS = Array.from({ length: HANZI.length / 2 }, (_, i) => HANZI.slice(2 * i, 2 * i + 2));
/** In about 10 % of messages: the heavy case, many matches to count. */
const COMMON = "status";

function sentence(rnd: () => number): string {
	const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
	const words = Array.from({ length: 8 }, () => pick(WORDS));
	if (rnd() < 0.1) words.splice(3, 0, COMMON);
	return `${words.slice(0, 4).join(" ")} ${pick(CN_WORDS)}${pick(CN_WORDS)} ${words.slice(4).join(" ")}`;
}

/**
 * Sends every message on one socket, `window` in flight; resolves once all are acked. Any refusal
 * fails the scenario: the seeding is ordinary traffic, and a server error in it is a finding.
 */
function sendAll(sock: BenchSocket, messages: OutgoingMessage[], window: number, timeoutMs: number): Promise<void> {
	return new Promise((resolve, reject) => {
		let sent = 0;
		let acked = 0;
		const timer = setTimeout(() => reject(new Error(`seeding: ${acked}/${messages.length} acked`)), timeoutMs);
		const fail = (e: Error) => {
			clearTimeout(timer);
			sock.onFrame = () => {};
			reject(e);
		};
		const pump = () => {
			while (sent < messages.length && sent - acked < window) sock.send(encodeSend(messages[sent++]!));
		};
		sock.onFrame = (f) => {
			if (f.kind === "error") return fail(new Error(`seeding: ${f.code} ${f.message} (${f.localId})`));
			if (f.kind !== "ack") return;
			if (++acked === messages.length) {
				clearTimeout(timer);
				sock.onFrame = () => {};
				resolve();
			} else pump();
		};
		pump();
	});
}

export interface SearchMeasure {
	latencyMs: LatencySummary;
	/** Matches per keyword kind (the `total` of the last search of each). */
	totals: Record<string, number>;
	generatorCpuPct: number;
}

export interface SearchResult {
	seeded: {
		bigMessages: number;
		bigSeedMs: number;
		msgPerSec: number;
		conversations: number;
		smallMessages: number;
	};
	inOne: SearchMeasure;
	across: SearchMeasure;
}

/** `count` searches in turn over the keyword kinds; latency of each whole HTTP request. */
async function measure(
	api: Api,
	user: BenchUser,
	conversationId: string | undefined,
	kinds: Record<string, string[]>,
): Promise<SearchMeasure> {
	const entries = Object.entries(kinds);
	const totals: Record<string, number> = {};
	const latencies: number[] = [];
	const cpu = cpuMeter();
	for (let i = 0; i < SEARCH.warmup + SEARCH.queries; i++) {
		const [kind, keywords] = entries[i % entries.length]!;
		const keyword = keywords[Math.floor(i / entries.length) % keywords.length]!;
		const qs = new URLSearchParams({ keyword, limit: "20", ...(conversationId ? { conversationId } : {}) });
		const t = performance.now();
		const found = await api.call<{ total: number; list: unknown[] }>("GET", `/messages/search?${qs}`, user.token);
		if (i >= SEARCH.warmup) latencies.push(performance.now() - t);
		totals[kind] = found.total;
	}
	return { latencyMs: summarize(latencies), totals, generatorCpuPct: cpu() };
}

/**
 * `users`: four fresh users of the product. The first two get the big private conversation,
 * the third owns the 200 groups (the fourth is their other member).
 */
export async function searchScenario(
	users: [BenchUser, BenchUser, BenchUser, BenchUser],
	deps: { api: Api; socketUrl: (u: BenchUser) => string; log: (msg: string) => void },
): Promise<SearchResult> {
	const [a, b, c, d] = users;
	const { api, log } = deps;
	const rnd = random(16);

	await api.openToFriends(b);
	await api.befriend(a, b);
	const big = privateConversationId(a.userId, b.userId);
	const sockA = await BenchSocket.open(deps.socketUrl(a));
	const t0 = performance.now();
	const bigMessages = Array.from({ length: SEARCH.bigMessages }, (_, i) => ({
		conversationId: big,
		conversationType: "private" as const,
		content: sentence(rnd),
		localId: `s8-${i}`,
	}));
	await sendAll(sockA, bigMessages, SEARCH.window, 10 * 60_000);
	const bigSeedMs = Math.round(performance.now() - t0);
	await closeAll([sockA]);
	log(`  s8: ${SEARCH.bigMessages} messages in one conversation in ${bigSeedMs} ms`);

	const groups = await pool(
		Array.from({ length: SEARCH.conversations }, (_, i) => i),
		8,
		(i) => api.createGroup(c, `search-${i}`, [d]),
	);
	const sockC = await BenchSocket.open(deps.socketUrl(c));
	const small = groups.flatMap((g, k) =>
		Array.from({ length: SEARCH.perConversation }, (_, i) => ({
			conversationId: g,
			conversationType: "group" as const,
			// One message of each conversation says "everywhere": a keyword with a match in all 200.
			content: i === 0 ? `everywhere ${sentence(rnd)}` : sentence(rnd),
			localId: `s8-${k}-${i}`,
		})),
	);
	await sendAll(sockC, small, 64, 120_000);
	await closeAll([sockC]);
	log(`  s8: ${SEARCH.conversations} conversations with ${SEARCH.perConversation} messages each`);

	const kinds = {
		rare: WORDS.slice(0, 25),
		common: [COMMON],
		prefix: WORDS.slice(100, 125).map((w) => w.slice(0, 3)),
		chinese: CN_WORDS,
		none: ["nowhere", "absent", "missing"],
	};
	const inOne = await measure(api, a, big, kinds);
	const across = await measure(api, c, undefined, { ...kinds, everywhere: ["everywhere"] });
	return {
		seeded: {
			bigMessages: SEARCH.bigMessages,
			bigSeedMs,
			msgPerSec: round((SEARCH.bigMessages / bigSeedMs) * 1000, 0),
			conversations: SEARCH.conversations,
			smallMessages: small.length,
		},
		inOne,
		across,
	};
}
