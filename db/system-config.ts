import type { Bindings } from "../domain/env";
import {
	CONFIG_KEYS,
	type ConfigKey,
	type ConfigValue,
	checkConfigValue,
	configDefault,
} from "../domain/system-config";
import { systemConfig } from "../schema";
import { dbOf } from "./client";

/** Runtime settings: the stored values (and who set them) behind getConfigValue. */

/** How long an isolate trusts its copy; other isolates see a change within this time. */
const CACHE_MS = 15_000;
let cached: { at: number; values: Map<string, string> } | undefined;

export async function storedConfig(env: Bindings): Promise<Map<string, string>> {
	if (cached && Date.now() - cached.at < CACHE_MS) return cached.values;
	const rows = await dbOf(env).select({ key: systemConfig.key, value: systemConfig.value }).from(systemConfig);
	const values = new Map(rows.map((r) => [r.key, r.value]));
	cached = { at: Date.now(), values };
	return values;
}

/** Every stored setting with who set it when, read fresh (no cache): the back office's view. */
export const configRows = (env: Bindings) => dbOf(env).select().from(systemConfig);

/** Stores a setting (insert or replace) and drops this isolate's cache, so it sees the new value at once. */
export async function putConfigValue(env: Bindings, key: ConfigKey, value: string, by: string, t: number) {
	await dbOf(env)
		.insert(systemConfig)
		.values({ key, value, updatedBy: by, updatedAt: t })
		.onConflictDoUpdate({ target: systemConfig.key, set: { value, updatedBy: by, updatedAt: t } });
	cached = undefined;
}

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
