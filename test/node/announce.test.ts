import { describe, expect, it } from "vitest";
import { announceTo } from "../../durable-objects/conversation/announce";

describe("announcing a conversation to its new members' hubs", () => {
	it("keeps at most 32 calls in flight and calls each member once when all succeed", async () => {
		let inFlight = 0;
		let most = 0;
		const calls: string[] = [];
		const ids = Array.from({ length: 500 }, (_, i) => `u${i}`);
		await announceTo(ids, async (id) => {
			calls.push(id);
			most = Math.max(most, ++inFlight);
			await new Promise((r) => setTimeout(r, 1));
			inFlight--;
		});
		expect(most).toBe(32);
		expect(calls.sort()).toEqual([...ids].sort());
	});

	it("makes the failed calls again after each delay, and stops after the last", async () => {
		const attempts = new Map<string, number>();
		const failTimes: Record<string, number> = { a: 1, b: 2, c: 5 };
		await announceTo(
			["a", "b", "c", "d"],
			async (id) => {
				const n = (attempts.get(id) ?? 0) + 1;
				attempts.set(id, n);
				if (n <= (failTimes[id] ?? 0)) throw new Error("too many open files");
			},
			[0, 0],
		);
		// a: failed once, then recorded; b: twice, then recorded; c: still failing after three tries; d: at once.
		expect(Object.fromEntries(attempts)).toEqual({ a: 2, b: 3, c: 3, d: 1 });
	});
});
