import { Hono } from "hono";
import { type AdminEnv, ensureBootstrapAdmin } from "../../services/admin-auth";
import { admins } from "./admins";
import { auth } from "./auth";
import { config } from "./config";
import { groups } from "./groups";
import { stats } from "./stats";
import { users } from "./users";
import { webhooks } from "./webhooks";

/**
 * The admin API, mounted by the app at both its base paths (ADMIN_BASE_PATH and ADMIN_ALIAS_PATH):
 * one sub-app per sub-resource, in the order their routes are matched (and listed), all behind
 * the bootstrap of the first admin account.
 */
export const admin = new Hono<AdminEnv>();

admin.use("*", async (c, next) => {
	await ensureBootstrapAdmin(c.env);
	await next();
});

admin.route("/", auth);
admin.route("/", users);
admin.route("/", groups);
admin.route("/", stats);
admin.route("/", config);
admin.route("/", admins);
admin.route("/", webhooks);
