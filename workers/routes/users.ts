import { Hono } from "hono";
import { z } from "zod";
import { IdParam } from "../../contracts/common";
import {
	BIRTHDAY_MAX,
	BIRTHDAY_MIN,
	PublicUser,
	PushTokenRequest,
	QrcodeQuery,
	QrcodeRefreshResponse,
	UpdateProfileRequest,
	UpdateSettingsRequest,
	UserProfile,
	UserSearchItem,
	UserSearchQuery,
	UserSearchResponse,
	UserSettings,
} from "../../contracts/users";
import type { Bindings } from "../../domain/env";
import { ok } from "../../domain/envelope";
import { now } from "../../domain/time";
import { notify } from "../../platform/notify";
import type { AppEnv } from "../env";
import { requireUser } from "../lib/auth";
import { badRequest, Codes, notFound } from "../lib/errors";
import { fetchPage } from "../lib/paging";
import { doc, validate } from "../lib/validate";
import { notifyFriendsOfProfileChange, relationFlags } from "../services/friends";
import {
	checkNickname,
	getUserRow,
	newQrcodeStatements,
	publicProfileOf,
	qrcodeUrl,
	type UserRow,
	userRowToProfile,
} from "../services/users";

export const users = new Hono<AppEnv>();

const SETTINGS_COLUMNS = {
	notificationEnabled: "notification_enabled",
	soundEnabled: "sound_enabled",
	vibrationEnabled: "vibration_enabled",
	messagePreviewEnabled: "message_preview_enabled",
	friendVerifyRequired: "friend_verify_required",
	searchByPhone: "search_by_phone",
	searchById: "search_by_id",
	language: "language",
} as const;

type SettingsRow = Record<(typeof SETTINGS_COLUMNS)[keyof typeof SETTINGS_COLUMNS], number | string> & {
	user_id: string;
};

const settingsOut = (r: SettingsRow) => ({
	userId: r.user_id,
	notificationEnabled: r.notification_enabled === 1,
	soundEnabled: r.sound_enabled === 1,
	vibrationEnabled: r.vibration_enabled === 1,
	messagePreviewEnabled: r.message_preview_enabled === 1,
	friendVerifyRequired: r.friend_verify_required === 1,
	searchByPhone: r.search_by_phone === 1,
	searchById: r.search_by_id === 1,
	language: String(r.language),
});

/**
 * A birthday is a calendar date, stored as 00:00 UTC of that date. A timestamp keeps the date it
 * was written with: "1990-01-01T00:00:00+08:00" is 1 January, not the UTC instant's 31 December.
 */
const toUnixDate = (v: string | number): number => {
	if (typeof v === "number") return v;
	const ms = Date.parse(`${v.slice(0, 10)}T00:00:00Z`);
	if (Number.isNaN(ms)) throw badRequest("birthday is not a valid date");
	// Not Date.UTC(y, m, d): it reads years 0-99 as 1900-1999, turning 0001-01-01 into 1901.
	const day = Math.floor(ms / 86_400_000) * 86_400;
	if (day < BIRTHDAY_MIN || day > BIRTHDAY_MAX) throw badRequest("birthday must be between 1900-01-01 and 2100-01-01");
	return day;
};

users.get("/me", requireUser, doc({ summary: "My profile", tags: ["users"], response: UserProfile }), async (c) => {
	const row = await getUserRow(c.env, c.var.auth.userId);
	if (!row) throw notFound("user not found", Codes.UserProfileNotFound);
	return ok(c, userRowToProfile(row));
});

users.put(
	"/me",
	requireUser,
	doc({
		summary: "Update my profile (partial); other devices get user.profile_updated",
		tags: ["users"],
		response: UserProfile,
	}),
	validate("json", UpdateProfileRequest),
	async (c) => {
		const body = c.req.valid("json");
		const me = c.var.auth;
		const sets: string[] = [];
		const values: (string | number)[] = [];
		if (body.nickname !== undefined) {
			await checkNickname(c.env, body.nickname, me.userId);
			sets.push("nickname = ?");
			values.push(body.nickname);
		}
		for (const key of ["avatar", "signature", "gender", "region"] as const) {
			if (body[key] !== undefined) {
				sets.push(`${key} = ?`);
				values.push(body[key]);
			}
		}
		if (body.birthday !== undefined) {
			sets.push("birthday = ?");
			values.push(toUnixDate(body.birthday));
		}
		if (sets.length) {
			sets.push("updated_at = ?");
			values.push(now());
			await c.env.DB.prepare(`UPDATE users SET ${sets.join(", ")} WHERE id = ?`)
				.bind(...values, me.userId)
				.run();
		}
		const row = await getUserRow(c.env, me.userId);
		if (!row) throw notFound("user not found", Codes.UserProfileNotFound);
		if (sets.length) {
			const data = publicProfileOf(row);
			await notify(c.env, [me.userId], "user.profile_updated", data, { excludeDevice: me.deviceId });
			await notifyFriendsOfProfileChange(c.env, { ...data, updatedAt: row.updated_at });
		}
		return ok(c, userRowToProfile(row));
	},
);

async function loadSettings(env: Bindings, userId: string): Promise<SettingsRow> {
	const row = await env.DB.prepare("SELECT * FROM user_settings WHERE user_id = ?").bind(userId).first<SettingsRow>();
	if (!row) throw notFound("settings not found", Codes.UserProfileNotFound);
	return row;
}

users.get(
	"/me/settings",
	requireUser,
	doc({ summary: "My settings", tags: ["users"], response: UserSettings }),
	async (c) => {
		return ok(c, settingsOut(await loadSettings(c.env, c.var.auth.userId)));
	},
);

users.put(
	"/me/settings",
	requireUser,
	doc({ summary: "Update my settings (partial)", tags: ["users"], response: UserSettings }),
	validate("json", UpdateSettingsRequest),
	async (c) => {
		const body = c.req.valid("json");
		const sets: string[] = [];
		const values: (string | number)[] = [];
		for (const [key, column] of Object.entries(SETTINGS_COLUMNS)) {
			const v = body[key as keyof typeof body];
			if (v === undefined) continue;
			sets.push(`${column} = ?`);
			values.push(typeof v === "boolean" ? (v ? 1 : 0) : v);
		}
		const db = c.env.DB;
		if (sets.length)
			await db
				.prepare(`UPDATE user_settings SET ${sets.join(", ")}, updated_at = ? WHERE user_id = ?`)
				.bind(...values, now(), c.var.auth.userId)
				.run();
		return ok(c, settingsOut(await loadSettings(c.env, c.var.auth.userId)));
	},
);

users.post(
	"/me/qrcode/refresh",
	requireUser,
	doc({ summary: "Issue a new personal QR code (valid 24 h)", tags: ["users"], response: QrcodeRefreshResponse }),
	async (c) => {
		const t = now();
		const qr = newQrcodeStatements(c.env, c.var.auth.userId, t);
		await c.env.DB.batch([
			qr.insert,
			c.env.DB.prepare("UPDATE users SET qrcode_token = ?, updated_at = ? WHERE id = ?").bind(
				qr.token,
				t,
				c.var.auth.userId,
			),
		]);
		return ok(c, { qrcodeUrl: qrcodeUrl(qr.token), expiresAt: qr.expiresAt });
	},
);

users.get(
	"/qrcode",
	requireUser,
	doc({ summary: "Look up a user by QR code token", tags: ["users"], response: UserSearchItem }),
	validate("query", QrcodeQuery),
	async (c) => {
		const { qrcode } = c.req.valid("query");
		const row = await c.env.DB.prepare(
			`SELECT q.expires_at AS expiresAt, u.id, u.nickname, u.avatar, u.signature, u.status
			   FROM user_qrcodes q JOIN users u ON u.id = q.user_id WHERE q.token = ?`,
		)
			.bind(qrcode)
			.first<{ expiresAt: number; id: string; nickname: string; avatar: string; signature: string; status: number }>();
		if (!row || row.status !== 1) throw badRequest("unknown QR code", Codes.QRCodeInvalid);
		if (row.expiresAt <= now()) throw badRequest("QR code has expired", Codes.QRCodeExpired);
		return ok(c, { userId: row.id, nickname: row.nickname, avatar: row.avatar, signature: row.signature });
	},
);

users.get(
	"/search",
	requireUser,
	doc({
		summary: "Search users: nickname substring, exact phone (if the user allows) or exact user ID (if allowed)",
		tags: ["users"],
		response: UserSearchResponse,
	}),
	validate("query", UserSearchQuery),
	async (c) => {
		const { keyword, page, pageSize } = c.req.valid("query");
		// instr, not LIKE: D1 refuses LIKE patterns over 50 bytes (a 500 for long keywords), and
		// a substring test needs no escaping of % and _. lower() matches LIKE's ASCII case folding.
		const where = `u.status = 1 AND (instr(lower(u.nickname), lower(?)) > 0
			OR (u.phone IN (?, ?) AND s.search_by_phone = 1)
			OR (u.id = ? AND s.search_by_id = 1))`;
		// "+" in an unencoded query string arrives as a space and is trimmed away, so digits
		// alone also match the E.164 number they came from.
		const phone = /^\d+$/.test(keyword) ? `+${keyword}` : keyword;
		const args = [keyword, keyword, phone, keyword];
		const { rows, total } = await fetchPage<Pick<UserRow, "id" | "nickname" | "avatar" | "signature">>(
			c.env,
			{
				select: "u.id, u.nickname, u.avatar, u.signature",
				from: `FROM users u JOIN user_settings s ON s.user_id = u.id WHERE ${where}`,
				orderBy: "u.nickname, u.id",
				args,
			},
			{ page, pageSize },
		);
		const list = rows.map((u) => ({
			userId: u.id,
			nickname: u.nickname,
			avatar: u.avatar,
			signature: u.signature,
		}));
		return ok(c, { users: list, total });
	},
);

users.post(
	"/me/push-token",
	requireUser,
	doc({ summary: "Register or replace the push token of a device", tags: ["users"] }),
	validate("json", PushTokenRequest),
	async (c) => {
		const b = c.req.valid("json");
		await c.env.DB.prepare(
			`INSERT INTO push_tokens (user_id, device_id, push_token, platform, updated_at) VALUES (?, ?, ?, ?, ?)
			 ON CONFLICT(user_id, device_id) DO UPDATE SET push_token = excluded.push_token, platform = excluded.platform, updated_at = excluded.updated_at`,
		)
			.bind(c.var.auth.userId, b.deviceId, b.pushToken, b.platform, now())
			.run();
		return ok(c);
	},
);

users.get(
	"/:userId",
	requireUser,
	doc({ summary: "Another user's public profile with relation flags", tags: ["users"], response: PublicUser }),
	validate("param", z.object({ userId: IdParam("userId") })),
	async (c) => {
		const { userId } = c.req.valid("param");
		const row = await getUserRow(c.env, userId);
		if (!row) throw notFound("user not found", Codes.UserProfileNotFound);
		const flags = await relationFlags(c.env, c.var.auth.userId, userId);
		return ok(c, { ...publicProfileOf(row), ...flags });
	},
);
