import { type Context, Hono } from "hono";
import { z } from "zod";
import {
	AdminAccount,
	AdminAccountList,
	AdminGroup,
	AdminLoginRequest,
	AdminLoginResponse,
	AdminUserItem,
	AdminUserList,
	AdminUserQuery,
	AuditLogList,
	AuditLogQuery,
	BanRequest,
	ConfigItem,
	ConfigList,
	CreateAdminRequest,
	StatsOverview,
	UpdateAdminStatusRequest,
	UpdateConfigRequest,
} from "../../contracts/admin";
import { IdParam, PageQuery } from "../../contracts/common";
import { forgetConfigCache, storedConfig } from "../../db/system-config";
import { ok } from "../../domain/envelope";
import { CONFIG_KEYS, type ConfigKey, checkConfigValue, configDefault, isConfigKey } from "../../domain/system-config";
import { now, utcDay } from "../../domain/time";
import { notify } from "../../platform/notify";
import { badRequest, Codes, conflict, forbidden, notFound, unauthorized } from "../lib/errors";
import { fetchPage, pageOut } from "../lib/paging";
import { hashPassword, isStrongPassword, verifyPassword } from "../lib/password";
import { doc, validate } from "../lib/validate";
import {
	ADMIN_TOKEN_TTL,
	type AdminEnv,
	type AdminRow,
	audit,
	ensureBootstrapAdmin,
	requireAdmin,
	requireRole,
	signAdminToken,
} from "../services/admin-auth";
import { dissolveGroup, loadGroup } from "../services/groups";
import { checkLoginThrottle, clearLoginFailuresStatement, recordLoginFailure } from "../services/login-throttle";
import { endSessions } from "../services/sessions-auth";
import { countOnlineUsers } from "../services/stats";

export const admin = new Hono<AdminEnv>();

const writers = requireRole("superadmin", "admin");
const superadmins = requireRole("superadmin");
const tags = ["admin"];

admin.use("*", async (c, next) => {
	await ensureBootstrapAdmin(c.env);
	await next();
});

const adminOut = (a: AdminRow) => ({
	adminId: a.id,
	username: a.username,
	email: a.email,
	role: a.role,
	status: a.status,
	lastLoginAt: a.last_login_at,
	createdAt: a.created_at,
});

// ---- auth -----------------------------------------------------------------------------------

admin.post(
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
		const db = c.env.DB;
		const account = `admin:${username}`;
		await checkLoginThrottle(c.env, account);
		const row = await db.prepare("SELECT * FROM admin_users WHERE username = ?").bind(username).first<AdminRow>();
		if (!row || !(await verifyPassword(password, row.password_hash))) {
			await recordLoginFailure(c.env, account);
			throw unauthorized("invalid username or password", Codes.AdminInvalidPassword);
		}
		if (row.status !== 1) throw forbidden("admin account is disabled", Codes.AdminDisabled);
		const t = now();
		await db.batch([
			clearLoginFailuresStatement(c.env, account),
			db.prepare("UPDATE admin_users SET last_login_at = ? WHERE id = ?").bind(t, row.id),
		]);
		const token = await signAdminToken(c.env, row);
		c.set("admin", { adminId: row.id, username: row.username, role: row.role, jti: "", exp: 0 });
		await audit(c, { action: "auth.login", resourceType: "admin_user", resourceId: row.id });
		return ok(c, { token, expiresIn: ADMIN_TOKEN_TTL, adminId: row.id, username: row.username, role: row.role });
	},
);

admin.post("/auth/logout", requireAdmin, doc({ summary: "End this admin token at once", tags }), async (c) => {
	const a = c.var.admin;
	await c.env.DB.batch([
		c.env.DB.prepare("INSERT OR IGNORE INTO admin_revoked_tokens (jti, expires_at) VALUES (?, ?)").bind(a.jti, a.exp),
		c.env.DB.prepare("DELETE FROM admin_revoked_tokens WHERE expires_at < ?").bind(now()),
	]);
	await audit(c, { action: "auth.logout", resourceType: "admin_user", resourceId: a.adminId });
	return ok(c, null);
});

// ---- users ------------------------------------------------------------------------------------

interface UserListRow {
	id: string;
	nickname: string;
	avatar: string;
	signature: string;
	phone: string | null;
	email: string | null;
	gender: number;
	region: string;
	status: number;
	created_at: number;
}
const userOut = (u: UserListRow) => ({
	userId: u.id,
	nickname: u.nickname,
	avatar: u.avatar,
	signature: u.signature,
	phone: u.phone ?? "",
	email: u.email ?? "",
	gender: u.gender,
	region: u.region,
	status: u.status,
	createdAt: u.created_at,
});
const USER_COLUMNS = "id, nickname, avatar, signature, phone, email, gender, region, status, created_at";
const UserIdParam = z.object({ userId: IdParam("userId") });

admin.get(
	"/users",
	requireAdmin,
	doc({
		summary: "Search users (nickname, email, phone or ID); empty keyword lists all",
		tags,
		response: AdminUserList,
	}),
	validate("query", AdminUserQuery),
	async (c) => {
		const { keyword, status, page, pageSize } = c.req.valid("query");
		const where: string[] = [];
		const args: unknown[] = [];
		if (keyword) {
			const like = `%${keyword.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
			where.push("(nickname LIKE ? ESCAPE '\\' OR email LIKE ? ESCAPE '\\' OR phone LIKE ? ESCAPE '\\' OR id = ?)");
			args.push(like, like, like, keyword);
		}
		if (status) {
			where.push("status = ?");
			args.push(Number(status));
		}
		const clause = where.length ? `WHERE ${where.join(" AND ")}` : "";
		const { rows, total } = await fetchPage<UserListRow>(
			c.env,
			{ select: USER_COLUMNS, from: `FROM users ${clause}`, orderBy: "created_at DESC, id DESC", args },
			{ page, pageSize },
		);
		return ok(c, pageOut(rows.map(userOut), total, { page, pageSize }));
	},
);

async function userRow(c: Context<AdminEnv>, userId: string) {
	const u = await c.env.DB.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`).bind(userId).first<UserListRow>();
	if (!u) throw notFound("user not found", Codes.UserNotFound);
	return u;
}

admin.get(
	"/users/:userId",
	requireAdmin,
	doc({ summary: "One user, with account status", tags, response: AdminUserItem }),
	validate("param", UserIdParam),
	async (c) => ok(c, userOut(await userRow(c, c.req.valid("param").userId))),
);

admin.post(
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
		const { userId } = c.req.valid("param");
		const reason = c.req.valid("json").reason ?? "";
		await userRow(c, userId);
		const t = now();
		await c.env.DB.prepare("UPDATE users SET status = 2, updated_at = ? WHERE id = ?").bind(t, userId).run();
		await notify(c.env, [userId], "admin.user_banned", { userId, reason, bannedAt: t });
		await endSessions(c.env, userId, {}, "banned");
		await audit(c, { action: "user.ban", resourceType: "user", resourceId: userId, details: { reason } });
		return ok(c, null);
	},
);

admin.post(
	"/users/:userId/unban",
	requireAdmin,
	writers,
	doc({ summary: "Lift a ban (status 1); the user may log in again", tags }),
	validate("param", UserIdParam),
	async (c) => {
		const { userId } = c.req.valid("param");
		await userRow(c, userId);
		await c.env.DB.prepare("UPDATE users SET status = 1, updated_at = ? WHERE id = ?").bind(now(), userId).run();
		await audit(c, { action: "user.unban", resourceType: "user", resourceId: userId });
		return ok(c, null);
	},
);

// ---- groups -----------------------------------------------------------------------------------

const GroupIdParam = z.object({ groupId: IdParam("groupId") });

admin.get(
	"/groups/:groupId",
	requireAdmin,
	doc({ summary: "One group (dissolved groups are 404, 40101)", tags, response: AdminGroup }),
	validate("param", GroupIdParam),
	async (c) => {
		const g = await loadGroup(c.env, c.req.valid("param").groupId);
		return ok(c, {
			groupId: g.id,
			name: g.name,
			avatar: g.avatar,
			announcement: g.announcement,
			ownerId: g.owner_id,
			memberCount: g.member_count,
			maxMembers: g.max_members,
			joinVerify: g.join_verify === 1,
			isMuted: g.is_muted === 1,
			status: g.status,
			createdAt: g.created_at,
			updatedAt: g.updated_at,
		});
	},
);

admin.delete(
	"/groups/:groupId",
	requireAdmin,
	writers,
	doc({
		summary: "Dissolve a group as its owner would: members get group.disbanded, the conversation closes",
		tags,
	}),
	validate("param", GroupIdParam),
	async (c) => {
		const g = await loadGroup(c.env, c.req.valid("param").groupId);
		// An admin is not a user: operatorUserId stays empty for a dissolution by the back office.
		await dissolveGroup(c.env, g, "");
		await audit(c, { action: "group.dissolve", resourceType: "group", resourceId: g.id, details: { name: g.name } });
		return ok(c, null);
	},
);

// ---- stats and audit ------------------------------------------------------------------------

admin.get(
	"/stats/overview",
	requireAdmin,
	doc({
		summary: "Counts: users, banned users, active users (7 days), groups, messages today and in total, online users",
		description:
			"Online users are asked of the UserHub objects of users holding a live session (see onlineUsersExact). Messages come from the daily counter the Conversation objects flush in batches (30–45 s after a conversation's first unflushed message).",
		tags,
		response: StatsOverview,
	}),
	async (c) => {
		const db = c.env.DB;
		const t = now();
		const [users, groups, today, total] = await db.batch<any>([
			db
				.prepare(
					`SELECT COUNT(*) AS total, COALESCE(SUM(status = 2), 0) AS banned,
				        (SELECT COUNT(DISTINCT user_id) FROM device_sessions WHERE refreshed_at >= ?) AS active
				   FROM users`,
				)
				.bind(t - 7 * 86400),
			db.prepare("SELECT COUNT(*) AS n FROM groups WHERE status = 1"),
			db.prepare("SELECT count AS n FROM daily_message_counts WHERE day = ?").bind(utcDay(t)),
			db.prepare("SELECT COALESCE(SUM(count), 0) AS n FROM daily_message_counts"),
		]);
		const u = users!.results[0] as { total: number; banned: number; active: number };
		const online = await countOnlineUsers(c.env);
		return ok(c, {
			totalUsers: u.total,
			bannedUsers: u.banned,
			activeUsers: u.active,
			totalGroups: (groups!.results[0] as { n: number }).n,
			messagesToday: (today!.results[0] as { n: number } | undefined)?.n ?? 0,
			totalMessages: (total!.results[0] as { n: number }).n,
			onlineUsers: online.online,
			onlineUsersExact: online.exact,
			generatedAt: t,
		});
	},
);

admin.get(
	"/audit-logs",
	requireAdmin,
	doc({
		summary: "Audit log of admin writes, newest first; filter by admin, action, resource and time (Unix seconds)",
		tags,
		response: AuditLogList,
	}),
	validate("query", AuditLogQuery),
	async (c) => {
		const q = c.req.valid("query");
		const where: string[] = [];
		const args: unknown[] = [];
		const eq = (column: string, v: unknown) => {
			if (v !== undefined && v !== "") {
				where.push(`${column} = ?`);
				args.push(v);
			}
		};
		eq("l.admin_id", q.adminId);
		eq("l.action", q.action);
		eq("l.resource_type", q.resourceType);
		eq("l.resource_id", q.resourceId);
		if (q.startTime !== undefined) {
			where.push("l.created_at >= ?");
			args.push(q.startTime);
		}
		if (q.endTime !== undefined) {
			where.push("l.created_at <= ?");
			args.push(q.endTime);
		}
		const clause = where.length ? `WHERE ${where.join(" AND ")}` : "";
		const { rows, total } = await fetchPage<any>(
			c.env,
			{
				select: "l.*, COALESCE(a.username, '') AS username",
				from: `FROM audit_logs l LEFT JOIN admin_users a ON a.id = l.admin_id ${clause}`,
				orderBy: "l.id DESC",
				args,
			},
			q,
		);
		const list = rows.map((r) => ({
			id: r.id as number,
			adminId: r.admin_id as string,
			adminUsername: r.username as string,
			action: r.action as string,
			resourceType: r.resource_type as string,
			resourceId: r.resource_id as string,
			details: JSON.parse(r.details as string) as Record<string, unknown>,
			ipAddress: r.ip_address as string,
			createdAt: r.created_at as number,
		}));
		return ok(c, pageOut(list, total, q));
	},
);

// ---- system config --------------------------------------------------------------------------

async function configItems(c: Context<AdminEnv>) {
	const rows = await c.env.DB.prepare("SELECT key, value, updated_by, updated_at FROM system_config").all<{
		key: string;
		value: string;
		updated_by: string;
		updated_at: number;
	}>();
	const stored = new Map(rows.results.map((r) => [r.key, r]));
	return (Object.keys(CONFIG_KEYS) as ConfigKey[]).sort().map((key) => {
		const rule = CONFIG_KEYS[key];
		const row = stored.get(key);
		return {
			key,
			value: row?.value ?? configDefault(c.env, key),
			description: rule.description,
			updatedBy: row?.updated_by ?? "",
			updatedAt: row?.updated_at ?? 0,
		};
	});
}

admin.get(
	"/config",
	requireAdmin,
	doc({ summary: "Every runtime setting with its current value (default when never set)", tags, response: ConfigList }),
	async (c) => {
		const list = await configItems(c);
		return ok(c, pageOut(list, list.length, { page: 1, pageSize: list.length }));
	},
);

admin.put(
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
	async (c) => {
		const { key } = c.req.valid("param");
		if (!isConfigKey(key)) throw notFound(`unknown config key: ${key}`, Codes.ConfigKeyNotFound);
		const checked = checkConfigValue(key, c.req.valid("json").value);
		if (!checked.ok) throw badRequest(checked.problem);
		const previous = (await storedConfig(c.env)).get(key) ?? configDefault(c.env, key);
		await c.env.DB.prepare(
			`INSERT INTO system_config (key, value, updated_by, updated_at) VALUES (?, ?, ?, ?)
			 ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		)
			.bind(key, checked.value, c.var.admin.adminId, now())
			.run();
		forgetConfigCache();
		await audit(c, {
			action: "config.update",
			resourceType: "config",
			resourceId: key,
			details: { value: checked.value, previous },
		});
		return ok(
			c,
			(await configItems(c)).find((i) => i.key === key),
		);
	},
);

// ---- admin accounts -------------------------------------------------------------------------

admin.get(
	"/admins",
	requireAdmin,
	doc({ summary: "Admin accounts, newest first", tags, response: AdminAccountList }),
	validate("query", PageQuery),
	async (c) => {
		const q = c.req.valid("query");
		const { rows, total } = await fetchPage<AdminRow>(
			c.env,
			{ select: "*", from: "FROM admin_users", orderBy: "created_at DESC, id DESC" },
			q,
		);
		return ok(c, pageOut(rows.map(adminOut), total, q));
	},
);

admin.post(
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
	async (c) => {
		const body = c.req.valid("json");
		if (!isStrongPassword(body.password)) {
			throw badRequest("password must be 8-32 bytes with at least one letter and one digit", Codes.PasswordWeak);
		}
		const t = now();
		const row: AdminRow = {
			id: crypto.randomUUID(),
			username: body.username,
			password_hash: await hashPassword(body.password),
			email: body.email ?? "",
			role: body.role ?? "admin",
			status: 1,
			last_login_at: 0,
			created_at: t,
			updated_at: t,
		};
		const res = await c.env.DB.prepare(
			`INSERT OR IGNORE INTO admin_users (id, username, password_hash, email, role, status, last_login_at, created_at, updated_at)
			 VALUES (?, ?, ?, ?, ?, 1, 0, ?, ?)`,
		)
			.bind(row.id, row.username, row.password_hash, row.email, row.role, t, t)
			.run();
		if (res.meta.changes === 0) throw conflict("admin username is already taken", Codes.AdminUsernameExists);
		await audit(c, {
			action: "admin.create",
			resourceType: "admin_user",
			resourceId: row.id,
			details: { username: row.username, role: row.role },
		});
		return ok(c, adminOut(row));
	},
);

admin.put(
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
		const { status } = c.req.valid("json");
		if (adminId === c.var.admin.adminId) throw badRequest("you cannot change your own status");
		const row = await c.env.DB.prepare("UPDATE admin_users SET status = ?, updated_at = ? WHERE id = ? RETURNING *")
			.bind(status, now(), adminId)
			.first<AdminRow>();
		if (!row) throw notFound("admin not found", Codes.AdminNotFound);
		await audit(c, { action: "admin.status", resourceType: "admin_user", resourceId: adminId, details: { status } });
		return ok(c, adminOut(row));
	},
);
