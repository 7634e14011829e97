import { Hono } from "hono";
import {
	AuthResponse,
	ChangePasswordRequest,
	LoginRequest,
	LogoutRequest,
	RefreshRequest,
	RegisterRequest,
	TokenPair,
} from "../../contracts/auth";
import { config } from "../../domain/config";
import { ok } from "../../domain/envelope";
import { now } from "../../domain/time";
import { notify } from "../../platform/notify";
import type { AppEnv } from "../env";
import { requireUser, verifyToken } from "../lib/auth";
import { ApiError, badRequest, Codes, conflict, forbidden, notFound, unauthorized } from "../lib/errors";
import { hashPassword, isStrongPassword, verifyPassword } from "../lib/password";
import { doc, validate } from "../lib/validate";
import { checkLoginThrottle, clearLoginFailuresStatement, recordLoginFailure } from "../services/login-throttle";
import {
	activeDeviceSessions,
	closeReplacedSessions,
	endSessions,
	mintTokens,
	openSessionStatements,
} from "../services/sessions-auth";
import { newQrcodeStatements, type UserRow, userRowToLoginUser } from "../services/users";

export const auth = new Hono<AppEnv>();

const isUniqueViolation = (e: unknown) => String(e).includes("UNIQUE constraint failed");

auth.post(
	"/register",
	doc({ summary: "Register an account and log in the device", tags: ["auth"], response: AuthResponse }),
	validate("json", RegisterRequest),
	async (c) => {
		const body = c.req.valid("json");
		if (!body.phoneNumber && !body.email) throw badRequest("phoneNumber or email is required");
		if (!isStrongPassword(body.password))
			throw badRequest("password must be 8-32 characters with at least one letter and one digit", Codes.PasswordWeak);
		const db = c.env.DB;
		if (body.phoneNumber && (await db.prepare("SELECT 1 FROM users WHERE phone = ?").bind(body.phoneNumber).first()))
			throw conflict("phone number is already registered", Codes.UserExists);
		if (body.email && (await db.prepare("SELECT 1 FROM users WHERE email = ?").bind(body.email).first()))
			throw conflict("email is already registered", Codes.UserExists);

		const userId = crypto.randomUUID();
		// Registration takes any nickname within the stored limit (see RegisterRequest).
		const nickname = body.nickname?.trim() ? body.nickname.trim() : `User_${userId.slice(0, 8)}`;
		const t = now();
		const passwordHash = await hashPassword(body.password);
		const qr = newQrcodeStatements(c.env, userId, t);
		const session = {
			userId,
			deviceId: body.deviceId,
			deviceType: body.deviceType,
			sid: crypto.randomUUID(),
			refreshJti: crypto.randomUUID(),
		};
		try {
			await db.batch([
				db
					.prepare(
						`INSERT INTO users (id, phone, email, password_hash, status, nickname, qrcode_token, created_at, updated_at)
						 VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)`,
					)
					.bind(userId, body.phoneNumber ?? null, body.email ?? null, passwordHash, nickname, qr.token, t, t),
				db.prepare("INSERT INTO user_settings (user_id, updated_at) VALUES (?, ?)").bind(userId, t),
				qr.insert,
				...openSessionStatements(c.env, session),
			]);
		} catch (e) {
			if (isUniqueViolation(e)) throw conflict("phone number or email is already registered", Codes.UserExists);
			throw e;
		}
		const tokens = await mintTokens(c.env, session);
		return ok(c, {
			userId,
			...tokens,
			user: { userId, nickname, avatar: "", phone: body.phoneNumber ?? "", email: body.email ?? "" },
		});
	},
);

auth.post(
	"/login",
	doc({ summary: "Log in with phone or email; throttled per account", tags: ["auth"], response: AuthResponse }),
	validate("json", LoginRequest),
	async (c) => {
		const body = c.req.valid("json");
		const db = c.env.DB;
		const account = body.account.trim();
		const user = await db
			.prepare("SELECT * FROM users WHERE phone = ? OR email = ? LIMIT 1")
			.bind(account, account)
			.first<UserRow>();
		// Failures count per account, whichever of its identifiers was typed; guesses at
		// unknown identifiers are throttled per identifier.
		const throttleKey = user ? `user:${user.id}` : `account:${account}`;
		await checkLoginThrottle(c.env, throttleKey);

		if (!user) {
			await recordLoginFailure(c.env, throttleKey);
			throw notFound("account does not exist", Codes.UserNotFound);
		}
		if (!(await verifyPassword(body.password, user.password_hash))) {
			await recordLoginFailure(c.env, throttleKey);
			throw unauthorized("wrong password", Codes.PasswordError);
		}
		if (user.status !== 1) throw forbidden("account is disabled", Codes.AccountDisabled);

		const session = {
			userId: user.id,
			deviceId: body.deviceId,
			deviceType: body.deviceType,
			sid: crypto.randomUUID(),
			refreshJti: crypto.randomUUID(),
		};
		const replaced = await activeDeviceSessions(c.env, user.id, body.deviceId);
		await db.batch([clearLoginFailuresStatement(c.env, throttleKey), ...openSessionStatements(c.env, session)]);
		await closeReplacedSessions(c.env, user.id, replaced);
		const tokens = await mintTokens(c.env, session);
		return ok(c, { userId: user.id, ...tokens, user: userRowToLoginUser(user) });
	},
);

auth.post(
	"/refresh",
	doc({
		summary: "Rotate the token pair; a reused refresh token ends the device session",
		tags: ["auth"],
		response: TokenPair,
	}),
	validate("json", RefreshRequest),
	async (c) => {
		const { refreshToken } = c.req.valid("json");
		const claims = await verifyToken(c.env, refreshToken, "refresh").catch((e) => {
			if (e instanceof ApiError && e.code === Codes.TokenExpired)
				throw unauthorized("refresh token has expired", Codes.RefreshTokenExpired);
			throw unauthorized("invalid refresh token", Codes.RefreshTokenInvalid);
		});
		const db = c.env.DB;
		const row = await db
			.prepare(
				`SELECT s.refresh_jti, s.revoked_at, s.expires_at, s.device_id, s.device_type, u.status
				   FROM device_sessions s JOIN users u ON u.id = s.user_id
				  WHERE s.id = ? AND s.user_id = ?`,
			)
			.bind(claims.sid, claims.userId)
			.first<{
				refresh_jti: string;
				revoked_at: number | null;
				expires_at: number;
				device_id: string;
				device_type: string;
				status: number;
			}>();
		if (!row || row.revoked_at !== null) throw unauthorized("invalid refresh token", Codes.RefreshTokenInvalid);
		if (row.expires_at <= now()) throw unauthorized("refresh token has expired", Codes.RefreshTokenExpired);
		if (row.status !== 1) throw forbidden("account is disabled", Codes.AccountDisabled);

		const nextJti = crypto.randomUUID();
		const cfg = config(c.env);
		const t = now();
		// Conditional on the jti we expect, so two concurrent refreshes cannot both rotate.
		const rotated = await db
			.prepare(
				"UPDATE device_sessions SET refresh_jti = ?, refreshed_at = ?, expires_at = ? WHERE id = ? AND refresh_jti = ? AND revoked_at IS NULL",
			)
			.bind(nextJti, t, t + cfg.refreshTtl, claims.sid, claims.jti)
			.run();
		if (rotated.meta.changes !== 1) {
			// An already-rotated token came back: someone else holds this session's tokens.
			await endSessions(c.env, claims.userId, { sessionId: claims.sid }, "token_reuse");
			throw unauthorized("refresh token was already used; the session has been ended", Codes.RefreshTokenInvalid);
		}
		const tokens = await mintTokens(c.env, {
			userId: claims.userId,
			deviceId: row.device_id,
			deviceType: row.device_type,
			sid: claims.sid,
			refreshJti: nextJti,
		});
		return ok(c, tokens);
	},
);

auth.post(
	"/logout",
	requireUser,
	doc({ summary: "End a device's session (its tokens stop working at once)", tags: ["auth"] }),
	validate("json", LogoutRequest),
	async (c) => {
		const { deviceId } = c.req.valid("json");
		await endSessions(c.env, c.var.auth.userId, { deviceIds: [deviceId] }, "logout");
		return ok(c);
	},
);

auth.post(
	"/password/change",
	requireUser,
	doc({ summary: "Change the password; every other device's session ends", tags: ["auth"] }),
	validate("json", ChangePasswordRequest),
	async (c) => {
		const { oldPassword, newPassword } = c.req.valid("json");
		const me = c.var.auth;
		const row = await c.env.DB.prepare("SELECT password_hash FROM users WHERE id = ?")
			.bind(me.userId)
			.first<{ password_hash: string }>();
		if (!row) throw notFound("user not found", Codes.UserNotFound);
		if (!(await verifyPassword(oldPassword, row.password_hash)))
			throw unauthorized("wrong old password", Codes.PasswordError);
		if (!isStrongPassword(newPassword))
			throw badRequest(
				"newPassword must be 8-32 characters with at least one letter and one digit",
				Codes.PasswordWeak,
			);
		await c.env.DB.prepare("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?")
			.bind(await hashPassword(newPassword), now(), me.userId)
			.run();
		await notify(c.env, [me.userId], "auth.password_changed", {
			userId: me.userId,
			deviceId: me.deviceId,
			changedAt: now(),
		});
		await endSessions(c.env, me.userId, { keepSessionId: me.sessionId, keepDevice: me.deviceId }, "password_changed");
		return ok(c);
	},
);
