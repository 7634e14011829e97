import { Hono } from "hono";
import { z } from "zod";
import { ConfigItem, ConfigList, UpdateConfigRequest } from "../../../contracts/admin";
import { ok } from "../../../domain/envelope";
import { doc, validate } from "../../lib/validate";
import { type AdminEnv, actorOf, requireAdmin } from "../../services/admin-auth";
import { listConfig, updateConfig } from "../../services/admin-config";
import { superadmins, tags } from "./shared";

/** `/config`: the runtime settings. */
export const config = new Hono<AdminEnv>();

config.get(
	"/config",
	requireAdmin,
	doc({ summary: "Every runtime setting with its current value (default when never set)", tags, response: ConfigList }),
	async (c) => ok(c, await listConfig(c.env)),
);

config.put(
	"/config/:key",
	requireAdmin,
	superadmins,
	doc({
		summary: "Change a setting (superadmin); applies without a redeploy",
		description: "Unknown key: 404 (12107). A value outside the key's rule: 400.",
		tags,
		response: ConfigItem,
	}),
	validate("param", z.object({ key: z.string().min(1).max(64) })),
	validate("json", UpdateConfigRequest),
	async (c) => ok(c, await updateConfig(c.env, actorOf(c), c.req.valid("param").key, c.req.valid("json").value)),
);
