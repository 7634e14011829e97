export interface BackoffOptions {
	/** First delay ceiling in ms. */
	baseMs: number;
	/** Largest delay ceiling in ms. */
	maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000 };

/**
 * "Full jitter" exponential backoff: a uniform delay in [0, min(max, base·2^attempt)].
 * Spreading reconnects uniformly keeps a server restart from being met by every client at
 * the same instant. `random` is injectable so tests are deterministic.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random = Math.random): number {
	const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, Math.min(attempt, 30)));
	return Math.floor(random() * ceiling);
}
