import { Hono } from "hono";
import { z } from "zod";
import { AdminUserItem, AdminUserList, AdminUserQuery, BanRequest } from "../../../contracts/admin";
import { IdParam } from "../../../contracts/common";
import { ok } from "../../../domain/envelope";
import { doc, validate } from "../../lib/validate";
import { type AdminEnv, actorOf, requireAdmin } from "../../services/admin-auth";
import { banUser, searchUsers, unbanUser, userAccount } from "../../services/admin-users";
import { tags, writers } from "./shared";

/** `/users`: user accounts as the back office sees them; bans. */
export const users = new Hono<AdminEnv>();

const UserIdParam = z.object({ userId: IdParam("userId") });

users.get(
	"/users",
	requireAdmin,
	doc({
		summary: "Search users (nickname, email, phone or ID); empty keyword lists all",
		tags,
		response: AdminUserList,
	}),
	validate("query", AdminUserQuery),
	async (c) => ok(c, await searchUsers(c.env, c.req.valid("query"))),
);

users.get(
	"/users/:userId",
	requireAdmin,
	doc({ summary: "One user, with account status", tags, response: AdminUserItem }),
	validate("param", UserIdParam),
	async (c) => ok(c, await userAccount(c.env, c.req.valid("param").userId)),
);

users.post(
	"/users/:userId/ban",
	requireAdmin,
	writers,
	doc({
		summary:
			"Ban a user: status 2, every session ended at once, live sockets closed; login refused (10106) until unban",
		description:
			"The user's devices get admin.user_banned, then auth.force_logout (reason banned) before their sockets close.",
		tags,
	}),
	validate("param", UserIdParam),
	validate("json", BanRequest, { optional: true }),
	async (c) => {
		await banUser(c.env, actorOf(c), c.req.valid("param").userId, c.req.valid("json").reason ?? "");
		return ok(c, null);
	},
);

users.post(
	"/users/:userId/unban",
	requireAdmin,
	writers,
	doc({ summary: "Lift a ban (status 1); the user may log in again", tags }),
	validate("param", UserIdParam),
	async (c) => {
		await unbanUser(c.env, actorOf(c), c.req.valid("param").userId);
		return ok(c, null);
	},
);
