import { type RateBucket, type RateLimits, rateLimitOff } from "../domain/config";
import { errorBody } from "../domain/envelope";

/** What a refused take tells the caller: seconds until one token is back (fractional). */
export type TakeResult = { ok: true; retryAfter: 0 } | { ok: false; retryAfter: number };

interface BucketState {
	tokens: number;
	/** Epoch milliseconds of the last refill. */
	at: number;
}

/**
 * Buckets refilled continuously, so a refused caller learns exactly when the next try succeeds.
 * `at` never moves backwards, so a clock step back cannot mint tokens.
 */
export function takeFrom(
	state: BucketState,
	rule: { burst: number; perSec: number },
	cost: number,
	now: number,
): TakeResult {
	const elapsed = Math.max(0, now - state.at) / 1000;
	state.tokens = Math.min(rule.burst, state.tokens + elapsed * rule.perSec);
	state.at = Math.max(state.at, now);
	// A cost above the burst could never be paid; it pays the whole bucket instead.
	const need = Math.min(cost, rule.burst);
	// The epsilon absorbs float drift of many small refills, so waiting exactly retryAfter suffices.
	if (state.tokens + 1e-9 >= need) {
		state.tokens = Math.max(0, state.tokens - need);
		return { ok: true, retryAfter: 0 };
	}
	return { ok: false, retryAfter: (need - state.tokens) / rule.perSec };
}

/** Whole seconds for `Retry-After` and the WebSocket hint: never 0, so a client always backs off. */
export const retryAfterSeconds = (retryAfter: number) => Math.max(1, Math.ceil(retryAfter));

/**
 * The per-user limits of one UserHub. Every check is a synchronous in-memory step inside the
 * object that already handles the action (the socket's hub for WebSocket sends; one RPC for
 * HTTP routes), so a limit costs no storage and no extra hop on the WebSocket hot path.
 *
 * Persistence: the message bucket lives in memory only. An evicted or hibernated hub forgets
 * it and starts full, which is harmless: eviction needs ~10 s without events, and at the
 * default 5/s an idle user's bucket has refilled (20 tokens) in 4 s anyway. The slower buckets
 * (friend requests, group creation, upload tokens, connects) would refill much later than an
 * eviction, so they are written with the synchronous KV API when a token is taken (never on a
 * refusal): writes are bounded by the limit itself and coalesce into the action's own commit.
 */
export class RateLimiter {
	private readonly buckets = new Map<RateBucket, BucketState>();

	constructor(
		private readonly rules: RateLimits,
		private readonly kv: SyncKvStorage | null,
		private readonly clock: () => number = Date.now,
	) {}

	take(bucket: RateBucket, cost = 1): TakeResult {
		const rule = this.rules[bucket];
		if (!rule || rateLimitOff(rule)) return { ok: true, retryAfter: 0 };
		const persisted = bucket !== "message" && this.kv !== null;
		let state = this.buckets.get(bucket);
		if (!state) {
			state = (persisted ? this.kv!.get<BucketState>(`rate:${bucket}`) : undefined) ?? {
				tokens: rule.burst,
				at: this.clock(),
			};
			this.buckets.set(bucket, state);
		}
		const result = takeFrom(state, rule, cost, this.clock());
		if (result.ok && persisted) this.kv!.put(`rate:${bucket}`, { tokens: state.tokens, at: state.at });
		return result;
	}

	/**
	 * The `message.error` payload of a refused WebSocket send, or null when the send may go.
	 * `retryAfter` is whole seconds like the HTTP header; `retryAfterMs` is exact, since at 5/s the
	 * next token is due in 200 ms and a client's outbox need not wait a full second.
	 */
	refuseSend(
		localId: string,
	): { code: 429; message: string; localId: string; retryAfter: number; retryAfterMs: number } | null {
		const r = this.take("message");
		if (r.ok) return null;
		const retryAfter = retryAfterSeconds(r.retryAfter);
		return {
			code: 429,
			message: `too many messages; retry after ${retryAfter} s`,
			localId,
			retryAfter,
			retryAfterMs: Math.ceil(r.retryAfter * 1000),
		};
	}

	/** A 429 envelope for a WebSocket upgrade over the connect limit, or null to accept it. */
	refuseUpgrade(): Response | null {
		const r = this.take("wsConnect");
		if (r.ok) return null;
		const retryAfter = retryAfterSeconds(r.retryAfter);
		return Response.json(errorBody(429, `too many connection attempts; retry after ${retryAfter} s`), {
			status: 429,
			headers: { "Retry-After": String(retryAfter) },
		});
	}
}
