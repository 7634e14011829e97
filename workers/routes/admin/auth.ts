import { Hono } from "hono";
import { AdminLoginRequest, AdminLoginResponse } from "../../../contracts/admin";
import { ok } from "../../../domain/envelope";
import { doc, validate } from "../../lib/validate";
import { adminLogin, adminLogout } from "../../services/admin-accounts";
import { type AdminEnv, actorOf, clientIp, requireAdmin } from "../../services/admin-auth";
import { tags } from "./shared";

/** `/auth`: an admin token for a password, and its end. */
export const auth = new Hono<AdminEnv>();

auth.post(
	"/auth/login",
	doc({
		summary: "Admin login: an admin token (8 h), separate from user tokens",
		description: "Wrong username or password: 401 (12104). Disabled admin: 403 (12102). Repeated failures: 429.",
		tags,
		response: AdminLoginResponse,
	}),
	validate("json", AdminLoginRequest),
	async (c) => {
		const { username, password } = c.req.valid("json");
		return ok(c, await adminLogin(c.env, clientIp(c), username, password));
	},
);

auth.post("/auth/logout", requireAdmin, doc({ summary: "End this admin token at once", tags }), async (c) => {
	await adminLogout(c.env, actorOf(c), c.var.admin);
	return ok(c, null);
});
