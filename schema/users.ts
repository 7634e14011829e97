import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Accounts and profiles. Times are Unix seconds. `status`: 1 normal, 2 disabled (banned). */
export const users = sqliteTable(
	"users",
	{
		id: text("id").primaryKey(),
		phone: text("phone"),
		email: text("email"),
		passwordHash: text("password_hash").notNull(),
		status: integer("status").notNull().default(1),
		nickname: text("nickname").notNull(),
		avatar: text("avatar").notNull().default(""),
		signature: text("signature").notNull().default(""),
		gender: integer("gender").notNull().default(0),
		birthday: integer("birthday"),
		region: text("region").notNull().default(""),
		qrcodeToken: text("qrcode_token").notNull().default(""),
		createdAt: integer("created_at").notNull(),
		updatedAt: integer("updated_at").notNull(),
	},
	(t) => [
		uniqueIndex("users_phone_uq").on(t.phone),
		uniqueIndex("users_email_uq").on(t.email),
		index("users_nickname_idx").on(t.nickname),
	],
);

export const userSettings = sqliteTable("user_settings", {
	userId: text("user_id").primaryKey(),
	notificationEnabled: integer("notification_enabled", { mode: "boolean" }).notNull().default(true),
	soundEnabled: integer("sound_enabled", { mode: "boolean" }).notNull().default(true),
	vibrationEnabled: integer("vibration_enabled", { mode: "boolean" }).notNull().default(true),
	messagePreviewEnabled: integer("message_preview_enabled", { mode: "boolean" }).notNull().default(true),
	friendVerifyRequired: integer("friend_verify_required", { mode: "boolean" }).notNull().default(true),
	searchByPhone: integer("search_by_phone", { mode: "boolean" }).notNull().default(true),
	searchById: integer("search_by_id", { mode: "boolean" }).notNull().default(true),
	language: text("language").notNull().default("zh_CN"),
	updatedAt: integer("updated_at").notNull(),
});

/** One row per (user, device): the device's type and when it last logged in. */
export const userDevices = sqliteTable(
	"user_devices",
	{
		userId: text("user_id").notNull(),
		deviceId: text("device_id").notNull(),
		deviceType: text("device_type").notNull(),
		lastLoginAt: integer("last_login_at").notNull(),
	},
	(t) => [primaryKey({ columns: [t.userId, t.deviceId] })],
);

/**
 * A device session: what an access token points at (`sid` claim). Revoking the row ends the
 * session at once, for access tokens too. `refreshJti` is the only refresh token that may be
 * presented next; presenting an older one is treated as theft and revokes the row.
 */
export const deviceSessions = sqliteTable(
	"device_sessions",
	{
		id: text("id").primaryKey(),
		userId: text("user_id").notNull(),
		deviceId: text("device_id").notNull(),
		deviceType: text("device_type").notNull(),
		refreshJti: text("refresh_jti").notNull(),
		createdAt: integer("created_at").notNull(),
		refreshedAt: integer("refreshed_at").notNull(),
		expiresAt: integer("expires_at").notNull(),
		revokedAt: integer("revoked_at"),
		revokedReason: text("revoked_reason"),
	},
	(t) => [index("device_sessions_user_idx").on(t.userId, t.deviceId)],
);

export const userQrcodes = sqliteTable(
	"user_qrcodes",
	{
		token: text("token").primaryKey(),
		userId: text("user_id").notNull(),
		createdAt: integer("created_at").notNull(),
		expiresAt: integer("expires_at").notNull(),
	},
	(t) => [index("user_qrcodes_user_idx").on(t.userId)],
);

export const pushTokens = sqliteTable(
	"push_tokens",
	{
		userId: text("user_id").notNull(),
		deviceId: text("device_id").notNull(),
		pushToken: text("push_token").notNull(),
		platform: text("platform").notNull(),
		updatedAt: integer("updated_at").notNull(),
	},
	(t) => [primaryKey({ columns: [t.userId, t.deviceId] })],
);

/** Failed logins for the login throttle, keyed `user:<id>` (known account) or `account:<identifier>` (unknown). */
export const loginFailures = sqliteTable(
	"login_failures",
	{
		id: integer("id").primaryKey({ autoIncrement: true }),
		account: text("account").notNull(),
		at: integer("at").notNull(),
	},
	(t) => [index("login_failures_account_idx").on(t.account, t.at)],
);

/** Development only: secrets generated on first use when none is configured (never used in production). */
export const devSecrets = sqliteTable("dev_secrets", {
	name: text("name").primaryKey(),
	value: text("value").notNull(),
});
