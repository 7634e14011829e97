import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { config, RATE_BUCKETS, type RateLimits } from "../domain/config";
import type { Bindings } from "../domain/env";
import { RateLimiter, retryAfterSeconds } from "../durable-objects/rate-limits";

// The real defaults and the refill arithmetic, on a clock the test moves (no sleeping). The
// end-to-end refusals through the routes and sockets are in rate-limits.test.ts (limits project).

const defaults = () => config({} as Bindings).rateLimits;

/** A limiter over the real defaults, on a test clock, with a real hub's storage when asked. */
function limiter(rules: RateLimits = defaults(), kv: SyncKvStorage | null = null) {
	const clock = { t: 1_700_000_000_000 };
	return { clock, limits: new RateLimiter(rules, kv, () => clock.t) };
}

describe("rate limit settings", () => {
	it("defaults: messages 20 burst at 5/s, and a limit for each abuse-prone action", () => {
		expect(defaults()).toEqual({
			message: { burst: 20, perSec: 5 },
			friendRequest: { burst: 10, perSec: 0.2 },
			groupCreate: { burst: 5, perSec: 0.05 },
			uploadToken: { burst: 30, perSec: 1 },
			wsConnect: { burst: 10, perSec: 0.5 },
		});
	});

	it("reads RATE_<LIMIT>_BURST / _PER_SEC, accepts 0 and fractions, ignores garbage", () => {
		const rules = config({
			RATE_MESSAGE_BURST: "200",
			RATE_MESSAGE_PER_SEC: "50.5",
			RATE_FRIEND_REQUEST_BURST: "0",
			RATE_GROUP_CREATE_BURST: "abc",
			RATE_GROUP_CREATE_PER_SEC: "-1",
			RATE_UPLOAD_TOKEN_BURST: " ",
			RATE_WS_CONNECT_BURST: "7.9",
		} as unknown as Bindings).rateLimits;
		expect(rules.message).toEqual({ burst: 200, perSec: 50.5 });
		expect(rules.friendRequest).toEqual({ burst: 0, perSec: 0.2 });
		expect(rules.groupCreate).toEqual(defaults().groupCreate);
		expect(rules.uploadToken).toEqual(defaults().uploadToken);
		expect(rules.wsConnect.burst).toBe(7);
	});

	it("the test suites run with limits far above what they send (vitest.config.ts)", () => {
		for (const b of RATE_BUCKETS) expect(config(env).rateLimits[b].burst).toBeGreaterThanOrEqual(100_000);
	});
});

describe("token buckets at the real defaults", () => {
	it("messages: a burst of 20, then 5 per second, and the refusal says when to retry", () => {
		const { clock, limits } = limiter();
		for (let i = 0; i < 20; i++) expect(limits.take("message").ok).toBe(true);
		const refused = limits.take("message");
		expect(refused.ok).toBe(false);
		expect(refused.retryAfter).toBeCloseTo(0.2, 6);
		expect(retryAfterSeconds(refused.retryAfter)).toBe(1);
		expect(limits.refuseSend("l1")).toEqual({
			code: 429,
			message: "too many messages; retry after 1 s",
			localId: "l1",
			retryAfter: 1,
			retryAfterMs: 200,
		});
		clock.t += 199;
		expect(limits.take("message").ok).toBe(false);
		clock.t += 1;
		expect(limits.take("message").ok).toBe(true);
		expect(limits.take("message").ok).toBe(false);
		// Sustained: over 10 s exactly 50 more pass.
		let passed = 0;
		for (let ms = 0; ms < 10_000; ms += 10) {
			clock.t += 10;
			while (limits.take("message").ok) passed++;
		}
		expect(passed).toBe(50);
		// Idle time refills up to the burst, never beyond.
		clock.t += 3_600_000;
		passed = 0;
		while (limits.take("message").ok) passed++;
		expect(passed).toBe(20);
	});

	it("every limit: its burst passes, the next is refused until 1/rate seconds later", () => {
		for (const bucket of RATE_BUCKETS) {
			const { clock, limits } = limiter();
			const rule = defaults()[bucket];
			for (let i = 0; i < rule.burst; i++) expect(limits.take(bucket).ok, `${bucket} #${i}`).toBe(true);
			const refused = limits.take(bucket);
			expect(refused.ok, bucket).toBe(false);
			expect(refused.retryAfter).toBeCloseTo(1 / rule.perSec, 6);
			clock.t += Math.ceil(1000 / rule.perSec) - 1;
			expect(limits.take(bucket).ok, bucket).toBe(false);
			clock.t += 1;
			expect(limits.take(bucket).ok, bucket).toBe(true);
		}
	});

	it("a connect over the limit is a 429 envelope with Retry-After", async () => {
		const { limits } = limiter();
		for (let i = 0; i < 10; i++) expect(limits.refuseUpgrade()).toBeNull();
		const res = limits.refuseUpgrade()!;
		expect(res.status).toBe(429);
		expect(res.headers.get("Retry-After")).toBe("2");
		expect(await res.json()).toEqual({
			code: 429,
			message: "too many connection attempts; retry after 2 s",
			data: null,
		});
	});

	it("a limit of 0 (burst or rate) never refuses", () => {
		const rules = { ...defaults(), message: { burst: 0, perSec: 5 }, wsConnect: { burst: 10, perSec: 0 } };
		const { limits } = limiter(rules);
		for (let i = 0; i < 1000; i++) {
			expect(limits.take("message").ok).toBe(true);
			expect(limits.refuseUpgrade()).toBeNull();
		}
	});

	it("a clock stepping back mints no tokens", () => {
		const { clock, limits } = limiter();
		for (let i = 0; i < 20; i++) limits.take("message");
		clock.t -= 60_000;
		expect(limits.take("message").ok).toBe(false);
		clock.t += 60_000 + 200;
		expect(limits.take("message").ok).toBe(true);
	});
});

describe("what a hub keeps of its buckets", () => {
	it("slow buckets are stored when a token is taken; the message bucket is memory only", async () => {
		const stub = env.USER_HUB.getByName(`user:limits-${crypto.randomUUID()}`);
		await runInDurableObject(stub, (_hub, state) => {
			const first = limiter(defaults(), state.storage.kv);
			for (let i = 0; i < 5; i++) expect(first.limits.take("groupCreate").ok).toBe(true);
			expect(first.limits.take("groupCreate").ok).toBe(false);
			for (let i = 0; i < 20; i++) first.limits.take("message");
			expect(state.storage.kv.get("rate:message")).toBeUndefined();
			// A new instance (as after eviction) over the same storage: groups still spent, messages full again.
			const second = limiter(defaults(), state.storage.kv);
			second.clock.t = first.clock.t;
			expect(second.limits.take("groupCreate").ok).toBe(false);
			second.clock.t += 20_000;
			expect(second.limits.take("groupCreate").ok).toBe(true);
			expect(second.limits.take("message").ok).toBe(true);
		});
	});
});
