import { Hono } from "hono";
import { z } from "zod";
import { AdminAccount, AdminAccountList, CreateAdminRequest, UpdateAdminStatusRequest } from "../../../contracts/admin";
import { IdParam, PageQuery } from "../../../contracts/common";
import { ok } from "../../../domain/envelope";
import { doc, validate } from "../../lib/validate";
import { changeAdminStatus, createAdmin, listAdmins } from "../../services/admin-accounts";
import { type AdminEnv, actorOf, requireAdmin } from "../../services/admin-auth";
import { superadmins, tags } from "./shared";

/** `/admins`: the back-office accounts (superadmins create and disable them). */
export const admins = new Hono<AdminEnv>();

admins.get(
	"/admins",
	requireAdmin,
	doc({ summary: "Admin accounts, newest first", tags, response: AdminAccountList }),
	validate("query", PageQuery),
	async (c) => ok(c, await listAdmins(c.env, c.req.valid("query"))),
);

admins.post(
	"/admins",
	requireAdmin,
	superadmins,
	doc({
		summary: "Create an admin account (superadmin)",
		description:
			"Role superadmin, admin (default) or operator. Password 8-32 bytes with a letter and a digit. Taken username: 409 (12103).",
		tags,
		response: AdminAccount,
	}),
	validate("json", CreateAdminRequest),
	async (c) => ok(c, await createAdmin(c.env, actorOf(c), c.req.valid("json"))),
);

admins.put(
	"/admins/:adminId/status",
	requireAdmin,
	superadmins,
	doc({
		summary: "Enable (1) or disable (0) an admin account (superadmin); a disabled admin's tokens stop working at once",
		description: "Unknown admin: 404 (12101). Changing your own status: 400.",
		tags,
		response: AdminAccount,
	}),
	validate("param", z.object({ adminId: IdParam("adminId") })),
	validate("json", UpdateAdminStatusRequest),
	async (c) => {
		const { adminId } = c.req.valid("param");
		return ok(c, await changeAdminStatus(c.env, actorOf(c), adminId, c.req.valid("json").status));
	},
);
