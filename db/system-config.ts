import type { Bindings } from "../domain/env";
import {
	CONFIG_KEYS,
	type ConfigKey,
	type ConfigValue,
	checkConfigValue,
	configDefault,
} from "../domain/system-config";

/** How long an isolate trusts its copy; other isolates see a change within this time. */
const CACHE_MS = 15_000;
let cached: { at: number; values: Map<string, string> } | undefined;

export async function storedConfig(env: Bindings): Promise<Map<string, string>> {
	if (cached && Date.now() - cached.at < CACHE_MS) return cached.values;
	const rows = await env.DB.prepare("SELECT key, value FROM system_config").all<{ key: string; value: string }>();
	const values = new Map(rows.results.map((r) => [r.key, r.value]));
	cached = { at: Date.now(), values };
	return values;
}

/** Called after a write, so this isolate sees the new value at once. */
export const forgetConfigCache = () => {
	cached = undefined;
};

/**
 * The current value of a setting. Precedence: the admin-stored value (PUT /admin/config/{key}),
 * then `configDefault` (deployment variable, then built-in default). Stored values come from a short
 * in-isolate cache, so a change applies without a redeploy.
 */
export async function getConfigValue<K extends ConfigKey>(env: Bindings, key: K): Promise<ConfigValue<K>> {
	const rule = CONFIG_KEYS[key] as { kind: "int" | "string" };
	const stored = (await storedConfig(env)).get(key);
	const checked = stored === undefined ? undefined : checkConfigValue(key, stored);
	const value = checked?.ok ? checked.value : configDefault(env, key);
	return (rule.kind === "int" ? Number(value) : value) as ConfigValue<K>;
}
