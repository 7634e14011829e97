import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Back-office accounts, separate from users. `role`: superadmin, admin, operator. `status`: 1 active, 0 disabled. */
export const adminUsers = sqliteTable(
	"admin_users",
	{
		id: text("id").primaryKey(),
		username: text("username").notNull(),
		passwordHash: text("password_hash").notNull(),
		email: text("email").notNull().default(""),
		role: text("role").notNull(),
		status: integer("status").notNull().default(1),
		lastLoginAt: integer("last_login_at").notNull().default(0),
		createdAt: integer("created_at").notNull(),
		updatedAt: integer("updated_at").notNull(),
	},
	(t) => [uniqueIndex("admin_users_username_uq").on(t.username)],
);

/** Admin tokens ended by logout before their expiry. */
export const adminRevokedTokens = sqliteTable("admin_revoked_tokens", {
	jti: text("jti").primaryKey(),
	expiresAt: integer("expires_at").notNull(),
});

/** Every admin write: who did what to which resource, when. `details` is a JSON object. */
export const auditLogs = sqliteTable(
	"audit_logs",
	{
		id: integer("id").primaryKey({ autoIncrement: true }),
		adminId: text("admin_id").notNull(),
		action: text("action").notNull(),
		resourceType: text("resource_type").notNull(),
		resourceId: text("resource_id").notNull(),
		details: text("details").notNull().default("{}"),
		ipAddress: text("ip_address").notNull().default(""),
		createdAt: integer("created_at").notNull(),
	},
	(t) => [
		index("audit_logs_created_idx").on(t.createdAt),
		index("audit_logs_admin_idx").on(t.adminId, t.createdAt),
		index("audit_logs_action_idx").on(t.action, t.createdAt),
	],
);

/** Runtime settings the backend reads through getConfigValue (no redeploy needed). */
export const systemConfig = sqliteTable("system_config", {
	key: text("key").primaryKey(),
	value: text("value").notNull(),
	updatedBy: text("updated_by").notNull().default(""),
	updatedAt: integer("updated_at").notNull(),
});

/**
 * Messages sent per UTC day. Not written per message: Conversation objects add their count in
 * batches through `addMessageCount` (see workers/services/stats.ts).
 */
export const dailyMessageCounts = sqliteTable("daily_message_counts", {
	day: text("day").primaryKey(),
	count: integer("count").notNull().default(0),
});
