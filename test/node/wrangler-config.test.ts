// wrangler.toml: the top level is the development configuration, [env.production] what
// `npm run deploy` deploys. Wrangler inherits no vars and no binding into an environment, so a
// binding added at the top level and forgotten in production would be missing only in production.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { experimental_readRawConfig } from "wrangler";

const root = new URL("../..", import.meta.url).pathname;
/** The parts of wrangler's raw configuration this test reads. */
interface Raw {
	vars?: Record<string, unknown>;
	d1_databases?: { binding: string; database_name?: string }[];
	r2_buckets?: { binding: string }[];
	kv_namespaces?: { binding: string }[];
	durable_objects?: { bindings?: { name: string }[] };
	services?: { binding: string }[];
	queues?: {
		producers?: { binding: string; queue: string }[];
		consumers?: { queue: string; dead_letter_queue?: string }[];
	};
	analytics_engine_datasets?: { binding: string }[];
	env?: Record<string, Raw>;
}
const rawConfig = experimental_readRawConfig({ config: join(root, "wrangler.toml") }).rawConfig as Raw;
const production = rawConfig.env?.production;

/** Binding names per kind, and the queues consumed (with their dead-letter queues). */
function bindingsOf(c: Raw | undefined): Record<string, string[]> {
	const names = <T>(list: T[] | undefined, key: (t: T) => string | undefined) =>
		(list ?? [])
			.map(key)
			.filter((n): n is string => !!n)
			.sort();
	return {
		vars: Object.keys(c?.vars ?? {}).sort(),
		d1_databases: names(c?.d1_databases, (d) => d.binding),
		r2_buckets: names(c?.r2_buckets, (b) => b.binding),
		kv_namespaces: names(c?.kv_namespaces, (k) => k.binding),
		durable_objects: names(c?.durable_objects?.bindings, (d) => d.name),
		services: names(c?.services, (s) => s.binding),
		queue_producers: names(c?.queues?.producers, (p) => `${p.binding} → ${p.queue}`),
		queue_consumers: names(c?.queues?.consumers, (q) => `${q.queue} (dlq ${q.dead_letter_queue ?? "none"})`),
		analytics_engine_datasets: names(c?.analytics_engine_datasets, (a) => a.binding),
	};
}

describe("wrangler.toml", () => {
	it("has a production environment with every binding of the top level", () => {
		expect(production).toBeDefined();
		const top = bindingsOf(rawConfig);
		const prod = bindingsOf(production);
		for (const [kind, names] of Object.entries(top))
			for (const name of names) expect(prod[kind], `${kind}: ${name} missing in [env.production]`).toContain(name);
		// Production adds the metrics dataset (no-op locally, so the development config leaves it out).
		expect(prod.analytics_engine_datasets).toContain("METRICS");
	});

	it("runs production with production settings and development with development settings", () => {
		expect(rawConfig.vars?.ENVIRONMENT).toBe("development");
		expect(production?.vars?.ENVIRONMENT).toBe("production");
		expect(production?.d1_databases?.[0]?.database_name).toBe(rawConfig.d1_databases?.[0]?.database_name);
	});

	it("holds no account-specific resource ID: wrangler provisions by name", () => {
		const text = readFileSync(join(root, "wrangler.toml"), "utf8");
		expect(text).not.toMatch(/^\s*(database_id|preview_database_id|account_id|id)\s*=/m);
	});
});
