/** Nearest-rank percentile of an unsorted sample (0 when empty). */
export function percentile(values: number[], p: number): number {
	if (!values.length) return 0;
	const sorted = Float64Array.from(values).sort();
	const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[rank]!;
}

export interface LatencySummary {
	n: number;
	p50: number;
	p99: number;
	max: number;
}

export function summarize(values: number[]): LatencySummary {
	const sorted = Float64Array.from(values).sort();
	const at = (p: number) =>
		sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]! : 0;
	return { n: sorted.length, p50: round(at(50)), p99: round(at(99)), max: round(at(100)) };
}

export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Measures the generator's own CPU over a wall-clock window: share of one core, in percent. */
export function cpuMeter() {
	const c0 = process.cpuUsage();
	const t0 = performance.now();
	return () => {
		const c = process.cpuUsage(c0);
		const wallMs = performance.now() - t0;
		return round(((c.user + c.system) / 1000 / wallMs) * 100, 1);
	};
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
