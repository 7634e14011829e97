/**
 * Durable Object eviction between operations keeps sessions, unread counts and read positions
 * exact (issue 8, part 4). Over several rounds: members send into a group and a private chat,
 * read partially (sometimes backwards or beyond the end), then the Conversations and every
 * UserHub are evicted in a different combination each round; every member's GET /sessions,
 * GET /sessions/{id} and unread total must match a model kept by the test.
 */
import { env, evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { ok } from "./fixtures/api";
import { makeFriends, makeGroup } from "./fixtures/social";
import { registerUser, type TestUser } from "./fixtures/users";

const conv = (id: string) => env.CONVERSATION.getByName(`conv:${id}`);
const hub = (userId: string) => env.USER_HUB.getByName(`user:${userId}`);

const ROUNDS = 6;

describe("eviction between operations", () => {
	it("keeps sessions, unread counts and read positions exact over rounds of send, partial read and eviction", async () => {
		const [owner, a, b, c] = await Promise.all([registerUser(), registerUser(), registerUser(), registerUser()]);
		const users = [owner, a, b, c] as TestUser[];
		const g = (await makeGroup(owner, [a, b, c])).groupId;
		const ab = await makeFriends(a, b);
		const membersOf: Record<string, TestUser[]> = { [g]: users, [ab]: [a, b] };
		const typeOf: Record<string, "group" | "private"> = { [g]: "group", [ab]: "private" };

		// The model: each conversation's last sequence and each member's read position.
		const lastSeq: Record<string, number> = { [g]: 0, [ab]: 0 };
		const readSeq: Record<string, Record<string, number>> = { [g]: {}, [ab]: {} };
		const readOf = (id: string, u: TestUser) => readSeq[id]![u.userId] ?? 0;
		let n = 0;

		const send = async (id: string, from: TestUser) => {
			const ack = await ok("POST", "/messages", {
				token: from.token,
				body: {
					conversationId: id,
					conversationType: typeOf[id],
					contentType: "text",
					content: JSON.stringify({ text: `m${++n}` }),
					localId: `ev-${n}`,
				},
			});
			lastSeq[id]!++;
			expect(ack.sequence).toBe(lastSeq[id]);
			// A sender has read up to their own message.
			readSeq[id]![from.userId] = ack.sequence;
		};

		const read = async (id: string, u: TestUser, upTo: number | undefined) => {
			const res = await ok("POST", `/sessions/${id}/read`, {
				token: u.token,
				body: upTo === undefined ? {} : { lastReadSeq: upTo },
			});
			// Never backwards, never beyond the last message; no position means everything.
			const want = Math.max(readOf(id, u), Math.min(upTo ?? lastSeq[id]!, lastSeq[id]!));
			readSeq[id]![u.userId] = want;
			expect(res.lastReadSeq).toBe(want);
			expect(res.unreadCount).toBe(lastSeq[id]! - want);
		};

		const expectedSessions = (u: TestUser) =>
			[g, ab]
				.filter((id) => membersOf[id]!.includes(u) && lastSeq[id]! > 0)
				.map((id) => ({
					sessionId: id,
					lastSeq: lastSeq[id]!,
					readSeq: readOf(id, u),
					unreadCount: lastSeq[id]! - readOf(id, u),
				}))
				.sort((x, y) => x.sessionId.localeCompare(y.sessionId));

		const sessionsOf = async (u: TestUser) =>
			(await ok("GET", "/sessions", { token: u.token })).list
				.map((s: any) => ({
					sessionId: s.sessionId,
					lastSeq: s.lastSeq,
					readSeq: s.readSeq,
					unreadCount: s.unreadCount,
				}))
				.sort((x: any, y: any) => x.sessionId.localeCompare(y.sessionId));

		// The fan-out to the hubs runs after the ack: the next operation starts once every
		// member's list shows the last message (that is where "between operations" is).
		const settled = () =>
			vi.waitFor(
				async () => {
					for (const u of users) {
						const got = await sessionsOf(u);
						expect(got.map((s: any) => [s.sessionId, s.lastSeq])).toEqual(
							expectedSessions(u).map((s) => [s.sessionId, s.lastSeq]),
						);
					}
				},
				{ timeout: 10_000, interval: 20 },
			);

		const check = async (round: number) => {
			for (const u of users) {
				const want = expectedSessions(u);
				expect(await sessionsOf(u), `round ${round}, user ${users.indexOf(u)}`).toEqual(want);
				for (const s of want) {
					const one = await ok("GET", `/sessions/${s.sessionId}`, { token: u.token });
					expect([one.lastSeq, one.readSeq, one.unreadCount]).toEqual([s.lastSeq, s.readSeq, s.unreadCount]);
				}
				const total = (await ok("GET", "/sessions/unread/total", { token: u.token })).totalUnread;
				expect(total, `round ${round}, user ${users.indexOf(u)} total`).toBe(
					want.reduce((sum, s) => sum + s.unreadCount, 0),
				);
			}
		};

		const evict = async (round: number) => {
			// Every combination shows up: Conversations only, hubs only, both, hubs in between reads.
			if (round % 3 !== 1) {
				await evictDurableObject(conv(g));
				await evictDurableObject(conv(ab));
			}
			if (round % 3 === 0) return;
			for (const u of users) {
				// Every other time a hub's checkpoint is written first, so a restart trusts it
				// (a and b hold two conversations: the suites' checkpoint size); otherwise the
				// hub dies dirty and must rebuild from the Conversations.
				if (round % 2 === 0) await runDurableObjectAlarm(hub(u.userId));
				await evictDurableObject(hub(u.userId));
			}
		};

		for (let round = 0; round < ROUNDS; round++) {
			// Sends: every group member in turn (two to four messages), and one or two private ones.
			for (let i = 0; i < 2 + (round % 3); i++) await send(g, users[(round + i) % users.length]!);
			for (let i = 0; i <= round % 2; i++) await send(ab, i % 2 ? b : a);
			await settled();
			await evict(round);
			await check(round);

			// Partial reads: halfway, backwards (ignored), beyond the end (clamped), everything.
			await read(g, users[round % users.length]!, Math.floor(lastSeq[g]! / 2));
			await read(g, users[(round + 1) % users.length]!, 1);
			if (round % 2) await read(ab, b, lastSeq[ab]! + 5);
			else await read(ab, a, lastSeq[ab]! - 1);
			if (round === ROUNDS - 2) await read(g, c, undefined);
			await evict(round + 1);
			await check(round);
		}
		// The last round's reads really left unread messages behind, and eviction kept them.
		expect(users.some((u) => expectedSessions(u).some((s) => s.unreadCount > 0))).toBe(true);
		expect(users.some((u) => expectedSessions(u).some((s) => s.readSeq > 0 && s.unreadCount > 0))).toBe(true);
	});
});
