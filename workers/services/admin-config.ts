import { configRows, putConfigValue, storedConfig } from "../../db/system-config";
import type { Bindings } from "../../domain/env";
import { CONFIG_KEYS, type ConfigKey, checkConfigValue, configDefault, isConfigKey } from "../../domain/system-config";
import { now } from "../../domain/time";
import { badRequest, Codes, notFound } from "../lib/errors";
import { pageOut } from "../lib/paging";
import type { Actor } from "./admin-auth";
import { audit } from "./audit";

/** Runtime settings as the back office sees and changes them. */

/** Every setting, by key: its stored value (or the default) and who set it when. */
async function configItems(env: Bindings) {
	const stored = new Map((await configRows(env)).map((r) => [r.key, r]));
	return (Object.keys(CONFIG_KEYS) as ConfigKey[]).sort().map((key) => {
		const row = stored.get(key);
		return {
			key,
			value: row?.value ?? configDefault(env, key),
			description: CONFIG_KEYS[key].description,
			updatedBy: row?.updatedBy ?? "",
			updatedAt: row?.updatedAt ?? 0,
		};
	});
}

/** Every setting as one wire page. */
export async function listConfig(env: Bindings) {
	const list = await configItems(env);
	return pageOut(list, list.length, { page: 1, pageSize: list.length });
}

/** Changes a setting (checked against its rule); it applies without a redeploy. Returns the setting as stored. */
export async function updateConfig(env: Bindings, actor: Actor, key: string, value: string) {
	if (!isConfigKey(key)) throw notFound(`unknown config key: ${key}`, Codes.ConfigKeyNotFound);
	const checked = checkConfigValue(key, value);
	if (!checked.ok) throw badRequest(checked.problem);
	const previous = (await storedConfig(env)).get(key) ?? configDefault(env, key);
	await putConfigValue(env, key, checked.value, actor.adminId, now());
	await audit(env, actor, {
		action: "config.update",
		resourceType: "config",
		resourceId: key,
		details: { value: checked.value, previous },
	});
	return (await configItems(env)).find((i) => i.key === key);
}
