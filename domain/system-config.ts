import type { Bindings } from "./env";

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
