import { describe, expect, it } from "vitest";
import { backoffDelay } from "../realtime/backoff";

const opts = { baseMs: 100, maxMs: 5_000 };

describe("backoffDelay", () => {
	it("doubles the ceiling per attempt up to the maximum", () => {
		const top = () => 0.999999;
		expect(backoffDelay(0, opts, top)).toBe(99);
		expect(backoffDelay(1, opts, top)).toBe(199);
		expect(backoffDelay(3, opts, top)).toBe(799);
		expect(backoffDelay(10, opts, top)).toBe(4_999);
		expect(backoffDelay(1_000, opts, top)).toBe(4_999);
	});

	it("spreads delays over the whole range (full jitter)", () => {
		expect(backoffDelay(5, opts, () => 0)).toBe(0);
		expect(backoffDelay(5, opts, () => 0.5)).toBe(1_600);
		const seen = new Set(Array.from({ length: 50 }, () => backoffDelay(4, opts)));
		expect(seen.size).toBeGreaterThan(10);
		for (const d of seen) expect(d).toBeLessThan(1_600);
	});
});
