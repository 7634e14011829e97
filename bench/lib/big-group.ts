/**
 * Scenario 7: one group of 10,000 members, 1,000 of them online on real sockets, the rest offline.
 * Only the members that need a token (the online ones and a sample of offline ones) are bench
 * users (seeded with tokens before the product starts, see seed-users.ts); the others are written
 * into D1 in bulk while the product is stopped, then the group's Conversation learns them through
 * a normal membership sync (one more invite through the API).
 */
import { writeFile } from "node:fs/promises";
import type { Api, BenchUser } from "./api";
import { type FanoutResult, fanout } from "./scenarios";
import { closeAll, openMany, pool } from "./sockets";
import { inserts, sqlText } from "./sql";
import { type LatencySummary, round, sleep, summarize } from "./stats";

export const BIG_GROUP = {
	members: 10_000,
	online: 1000,
	offlineSample: 200,
	/** 1 msg/s for 30 s, then 10 msg/s for 10 s. */
	phases: [
		{ messages: 30, intervalMs: 1000 },
		{ messages: 100, intervalMs: 100 },
	],
};

/** Registered users the scenario needs: the owner, the online members, the offline sample and one invitee. */
export const bigGroupUsers = () => 1 + BIG_GROUP.online + BIG_GROUP.offlineSample + 1;

export interface BigGroupResult {
	members: number;
	online: number;
	offline: number;
	/** `invite`: the POST that makes the Conversation sync its 10,000 members (part of syncAndSettle). */
	setupMs: { createGroup: number; seed: number; invite: number; syncAndSettle: number; connect: number };
	messages: number;
	timeToAllMs: LatencySummary;
	deliveryMs: LatencySummary;
	/** Reach-all per phase (1 msg/s, then 10 msg/s). */
	byPhase: { msgPerSec: number; timeToAllMs: LatencySummary }[];
	missing: number;
	sessions: { checked: number; wrong: number; examples: string[] };
	catchUp: { member: number; messages: number; expected: number; inOrder: boolean; ms: number };
	pushes: { sampleMembers: number; logged: number; membersWithOne: number };
	rssMiB: { beforeMessages: number; afterMessages: number; growth: number };
	d1StatementsPerMsg: number;
}

export interface BigGroupEnv {
	api: () => Api;
	/** Stops the product, runs `sqlFile` against its local D1, starts it again. */
	seed: (sqlFile: string) => Promise<void>;
	socketUrl: (user: BenchUser) => string;
	rssBytes: () => number;
	d1Statements: () => Promise<number>;
	/** Rows of a read-only query on the product's local D1. */
	query: <T>(sql: string) => T[];
	settle: () => Promise<void>;
	/**
	 * Other work (on other servers, nothing the product serves) to run while the product syncs
	 * the members, awaited before the settle that follows the sync. Must not reject.
	 */
	alongsideSync?: () => Promise<void>;
	dir: string;
	log: (msg: string) => void;
}

/** Users and memberships of `count` members who never log in, as multi-row INSERTs. */
function seedSql(groupId: string, count: number, t: number): string {
	const ids = Array.from({ length: count }, () => crypto.randomUUID());
	const lines = [
		...inserts(
			"users",
			["id", "password_hash", "status", "nickname", "created_at", "updated_at"],
			ids.map((id, k) => [id, "seeded", 1, `seed${k}`, t, t]),
		),
		...inserts(
			"user_settings",
			["user_id", "updated_at"],
			ids.map((id) => [id, t]),
		),
		...inserts(
			"group_members",
			["group_id", "user_id", "role", "joined_at", "updated_at"],
			ids.map((id) => [groupId, id, "member", t, t]),
		),
		`UPDATE groups SET member_count = (SELECT COUNT(*) FROM group_members WHERE group_id = ${sqlText(groupId)} AND left_at IS NULL) WHERE id = ${sqlText(groupId)};`,
	];
	return `${lines.join("\n")}\n`;
}

export async function bigGroup(users: BenchUser[], e: BigGroupEnv): Promise<BigGroupResult> {
	const owner = users[0]!;
	const online = users.slice(1, 1 + BIG_GROUP.online);
	const sample = users.slice(1 + BIG_GROUP.online, 1 + BIG_GROUP.online + BIG_GROUP.offlineSample);
	const invitee = users[1 + BIG_GROUP.online + BIG_GROUP.offlineSample]!;
	const seeded = BIG_GROUP.members - 2 - online.length - sample.length; // owner and invitee
	const t0 = performance.now();

	// The offline sample gets push tokens, so their pushes show in the push log.
	await pool(sample, 16, (u) =>
		e.api().call("POST", "/users/me/push-token", u.token, {
			deviceId: "d1",
			pushToken: `bench-${u.userId}`,
			platform: "Android",
		}),
	);
	const groupId = (
		await e
			.api()
			.call<{ groupId: string }>(
				"POST",
				"/groups",
				owner.token,
				{ name: "bench-10k", memberIds: [...online, ...sample].map((m) => m.userId) },
				300_000,
			)
	).groupId;
	const createGroup = Math.round(performance.now() - t0);

	const t1 = performance.now();
	const file = `${e.dir}/seed-10k.sql`;
	await writeFile(file, seedSql(groupId, seeded, Math.floor(Date.now() / 1000)));
	await e.seed(file);
	const seed = Math.round(performance.now() - t1);

	// One invite through the API: the group's Conversation syncs its member copy from D1 (all 10,000).
	const t2 = performance.now();
	const alongside = e.alongsideSync?.() ?? Promise.resolve();
	let invite = 0;
	try {
		await e.api().call("POST", `/groups/${groupId}/members`, owner.token, { userIds: [invitee.userId] }, 300_000);
		invite = Math.round(performance.now() - t2);
	} finally {
		await alongside;
	}
	await e.settle();
	const syncAndSettle = Math.round(performance.now() - t2);

	const t3 = performance.now();
	const sockets = await openMany([owner, ...online].map(e.socketUrl));
	const connect = Math.round(performance.now() - t3);
	e.log(
		`  10k group ${groupId}: created ${createGroup} ms, seeded ${seed} ms, synced ${syncAndSettle} ms (invite ${invite} ms), 1,001 sockets ${connect} ms`,
	);
	await sleep(500);

	const rssBefore = e.rssBytes();
	const d1Before = await e.d1Statements();
	const results: FanoutResult[] = [];
	const raw = { toAll: [] as number[], deliveries: [] as number[] };
	for (const phase of BIG_GROUP.phases) {
		results.push(
			await fanout({ id: groupId, type: "group" }, sockets[0]!, sockets.slice(1), { ...phase, timeoutMs: 10_000 }, raw),
		);
	}
	const d1After = await e.d1Statements();
	const rssAfter = e.rssBytes();
	const messages = BIG_GROUP.phases.reduce((n, p) => n + p.messages, 0);

	// Every online member and the offline sample: the group first in GET /sessions, with every message unread.
	const expected = messages;
	const wrong: string[] = [];
	await pool([...online, ...sample], 16, async (u) => {
		const list = (
			await e
				.api()
				.call<{ list: { sessionId: string; unreadCount: number; lastSeq: number }[] }>(
					"GET",
					"/sessions?limit=5",
					u.token,
				)
		).list;
		const top = list[0];
		if (top?.sessionId !== groupId || top.unreadCount !== expected || top.lastSeq !== expected)
			wrong.push(`u${u.index}: ${JSON.stringify(top)}`);
	});

	// An offline member comes back and catches up through POST /sync/messages, 100 at a time.
	const t4 = performance.now();
	const back = sample[0]!;
	const seqs: number[] = [];
	for (let lastSeq = 0, more = true; more; ) {
		const page = await e.api().call<{
			conversations: { conversationId: string; messages: { sequence: number }[]; hasMore: boolean }[];
		}>("POST", "/sync/messages", back.token, {
			conversationSeqs: [{ conversationId: groupId, conversationType: "group", lastSeq }],
			limitPerConversation: 100,
		});
		const conv = page.conversations.find((c) => c.conversationId === groupId);
		const got = conv?.messages.map((m) => m.sequence) ?? [];
		seqs.push(...got);
		more = Boolean(conv?.hasMore) && got.length > 0;
		lastSeq = got.at(-1) ?? lastSeq;
	}
	const catchUp = {
		member: back.index,
		messages: seqs.length,
		expected,
		inOrder: seqs.every((s, i) => s === i + 1),
		ms: Math.round(performance.now() - t4),
	};

	// Pushes of the offline sample go through the queue to the log provider; wait (bounded) for them.
	const sampleIds = sample.map((u) => u.userId);
	const countPushes = () =>
		e.query<{ user_id: string; n: number }>(
			`SELECT user_id, COUNT(*) AS n FROM push_logs WHERE conversation_id = ${sqlText(groupId)} GROUP BY user_id`,
		);
	let pushRows = countPushes();
	for (let i = 0; i < 20 && pushRows.filter((r) => sampleIds.includes(r.user_id)).length < sample.length; i++) {
		await sleep(1000);
		pushRows = countPushes();
	}
	const ofSample = pushRows.filter((r) => sampleIds.includes(r.user_id));
	await closeAll(sockets);

	return {
		members: BIG_GROUP.members,
		online: online.length,
		offline: BIG_GROUP.members - online.length - 1,
		setupMs: { createGroup, seed, invite, syncAndSettle, connect },
		messages,
		timeToAllMs: summarize(raw.toAll),
		byPhase: results.map((r, i) => ({
			msgPerSec: 1000 / BIG_GROUP.phases[i]!.intervalMs,
			timeToAllMs: r.timeToAllMs,
		})),
		deliveryMs: summarize(raw.deliveries),
		missing: results.reduce((n, r) => n + r.missing, 0),
		sessions: { checked: online.length + sample.length, wrong: wrong.length, examples: wrong.slice(0, 3) },
		catchUp,
		pushes: {
			sampleMembers: sample.length,
			logged: ofSample.reduce((n, r) => n + r.n, 0),
			membersWithOne: ofSample.filter((r) => r.n === 1).length,
		},
		rssMiB: {
			beforeMessages: round(rssBefore / 2 ** 20, 1),
			afterMessages: round(rssAfter / 2 ** 20, 1),
			growth: round((rssAfter - rssBefore) / 2 ** 20, 1),
		},
		d1StatementsPerMsg: round((d1After - d1Before) / messages, 2),
	};
}
