import type { Bindings } from "../env";

interface IntKey {
	kind: "int";
	default: number;
	min: number;
	max: number;
	description: string;
	/** A deployment variable that, when set to a valid value, replaces `default` (a stored value still wins). */
	envDefault?: "GROUP_MAX_MEMBERS";
}
interface StringKey {
	kind: "string";
	default: string;
	min: number;
	max: number;
	description: string;
}

const int = (d: number, min: number, max: number, description: string): IntKey => ({
	kind: "int",
	default: d,
	min,
	max,
	description,
});
const str = (d: string, min: number, max: number, description: string): StringKey => ({
	kind: "string",
	default: d,
	min,
	max,
	description,
});

/**
 * Every runtime setting an admin may change, with its rule and default. A key not listed
 * here is refused (12107); a value outside its rule is a 400. Code reads them with
 * `getConfigValue`, so a change takes effect without a redeploy.
 */
export const CONFIG_KEYS = {
	"site.name": str("AnyChat", 1, 64, "product name shown to clients"),
	"site.description": str("", 0, 256, "product description"),
	"user.max_friends": int(1000, 1, 100_000, "most friends a user may have"),
	"group.max_members": {
		...int(500, 2, 100_000, "member limit of groups created from now on (owner included)"),
		envDefault: "GROUP_MAX_MEMBERS",
	},
	"message.max_recall": int(120, 0, 86_400, "recall window in seconds"),
	"call.ring_timeout": int(60, 10, 300, "seconds a call rings before it becomes missed"),
} as const satisfies Record<string, IntKey | StringKey>;

export type ConfigKey = keyof typeof CONFIG_KEYS;
export type ConfigValue<K extends ConfigKey> = (typeof CONFIG_KEYS)[K] extends IntKey ? number : string;

export const isConfigKey = (key: string): key is ConfigKey => Object.hasOwn(CONFIG_KEYS, key);

/** Checks and normalises a new value; returns the problem as a sentence, or the canonical string. */
export function checkConfigValue(
	key: ConfigKey,
	value: string,
): { ok: true; value: string } | { ok: false; problem: string } {
	const rule: IntKey | StringKey = CONFIG_KEYS[key];
	if (rule.kind === "int") {
		const n = Number(value.trim());
		if (value.trim() === "" || !Number.isInteger(n)) return { ok: false, problem: `${key} must be an integer` };
		if (n < rule.min || n > rule.max)
			return { ok: false, problem: `${key} must be between ${rule.min} and ${rule.max}` };
		return { ok: true, value: String(n) };
	}
	const length = [...value].length;
	if (length < rule.min || length > rule.max) {
		return { ok: false, problem: `${key} must be ${rule.min}-${rule.max} characters` };
	}
	return { ok: true, value };
}

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
 * A setting's value when no admin has stored one: its deployment variable (`envDefault`) when that
 * is set and passes the key's rule, else the built-in default. Canonical string form.
 */
export function configDefault(env: Bindings, key: ConfigKey): string {
	const rule: IntKey | StringKey = CONFIG_KEYS[key];
	const fromEnv = "envDefault" in rule && rule.envDefault ? env[rule.envDefault] : undefined;
	if (fromEnv !== undefined) {
		const checked = checkConfigValue(key, String(fromEnv));
		if (checked.ok) return checked.value;
	}
	return String(rule.default);
}

/**
 * The current value of a setting. Precedence: the admin-stored value (PUT /admin/config/{key}),
 * then `configDefault` (deployment variable, then built-in default). Stored values come from a short
 * in-isolate cache, so a change applies without a redeploy.
 */
export async function getConfigValue<K extends ConfigKey>(env: Bindings, key: K): Promise<ConfigValue<K>> {
	const rule: IntKey | StringKey = CONFIG_KEYS[key];
	const stored = (await storedConfig(env)).get(key);
	const checked = stored === undefined ? undefined : checkConfigValue(key, stored);
	const value = checked?.ok ? checked.value : configDefault(env, key);
	return (rule.kind === "int" ? Number(value) : value) as ConfigValue<K>;
}
