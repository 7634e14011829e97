import type { z } from "zod";
import type { LoginRequest, RegisterRequest } from "../../contracts/auth";
import { runBatch } from "../../db/client";
import { activeDeviceSessions, refreshableSession, rotateRefresh } from "../../db/device-sessions";
import { newUserStatements, passwordHashOf, phoneOrEmailTaken, setPasswordHash, userByAccount } from "../../db/users";
import { config } from "../../domain/config";
import type { Bindings } from "../../domain/env";
import type { AuthContext } from "../../domain/identity";
import { now } from "../../domain/time";
import { notify } from "../../platform/notify";
import { emitWebhookEvent } from "../../platform/webhook-events";
import { ApiError, badRequest, Codes, conflict, forbidden, notFound, unauthorized } from "../lib/errors";
import { hashPassword, isStrongPassword, verifyPassword } from "../lib/password";
import { checkLoginThrottle, clearLoginFailuresStatement, recordLoginFailure } from "./login-throttle";
import { closeReplacedSessions, endSessions, mintTokens, openSessionStatements } from "./sessions-auth";
import { newQrcode, userRowToLoginUser } from "./users";

/** Registration, login, token refresh and password change: the account half of auth.md. */

const WEAK_PASSWORD = "must be 8-32 characters with at least one letter and one digit";

/** A UNIQUE violation from D1, whether drizzle hands on D1's error or wraps it (`cause`). */
const isUniqueViolation = (e: unknown): boolean =>
	String(e).includes("UNIQUE constraint failed") ||
	(e instanceof Error && e.cause !== undefined && isUniqueViolation(e.cause));

const newSession = (userId: string, deviceId: string, deviceType: string) => ({
	userId,
	deviceId,
	deviceType,
	sid: crypto.randomUUID(),
	refreshJti: crypto.randomUUID(),
});

export async function register(env: Bindings, body: z.output<typeof RegisterRequest>) {
	if (!body.phoneNumber && !body.email) throw badRequest("phoneNumber or email is required");
	if (!isStrongPassword(body.password)) throw badRequest(`password ${WEAK_PASSWORD}`, Codes.PasswordWeak);
	if (body.phoneNumber && (await phoneOrEmailTaken(env, "phone", body.phoneNumber)))
		throw conflict("phone number is already registered", Codes.UserExists);
	if (body.email && (await phoneOrEmailTaken(env, "email", body.email)))
		throw conflict("email is already registered", Codes.UserExists);

	const userId = crypto.randomUUID();
	// Registration takes any nickname within the stored limit (see RegisterRequest).
	const nickname = body.nickname?.trim() ? body.nickname.trim() : `User_${userId.slice(0, 8)}`;
	const t = now();
	const user = {
		id: userId,
		phone: body.phoneNumber ?? null,
		email: body.email ?? null,
		passwordHash: await hashPassword(body.password),
		nickname,
		t,
	};
	const session = newSession(userId, body.deviceId, body.deviceType);
	try {
		await runBatch(env, [
			...newUserStatements(env, user, newQrcode(userId, t)),
			...openSessionStatements(env, session),
		]);
	} catch (e) {
		// Two registrations of the same phone or email raced past the checks above.
		if (isUniqueViolation(e)) throw conflict("phone number or email is already registered", Codes.UserExists);
		throw e;
	}
	const tokens = await mintTokens(env, session);
	// A new account's public card (its profile is still the defaults).
	const card = { userId, nickname, avatar: "", signature: "", gender: 0, region: "", createdAt: t };
	await emitWebhookEvent(env, "user.registered", card);
	return {
		userId,
		...tokens,
		user: { userId, nickname, avatar: "", phone: body.phoneNumber ?? "", email: body.email ?? "" },
	};
}

export async function login(env: Bindings, body: z.output<typeof LoginRequest>) {
	const account = body.account.trim();
	const user = await userByAccount(env, account);
	// Failures count per account, whichever of its identifiers was typed; guesses at unknown
	// identifiers are throttled per identifier.
	const throttleKey = user ? `user:${user.id}` : `account:${account}`;
	await checkLoginThrottle(env, throttleKey);
	if (!user) {
		await recordLoginFailure(env, throttleKey);
		throw notFound("account does not exist", Codes.UserNotFound);
	}
	if (!(await verifyPassword(body.password, user.passwordHash))) {
		await recordLoginFailure(env, throttleKey);
		throw unauthorized("wrong password", Codes.PasswordError);
	}
	if (user.status !== 1) throw forbidden("account is disabled", Codes.AccountDisabled);

	const session = newSession(user.id, body.deviceId, body.deviceType);
	const replaced = await activeDeviceSessions(env, user.id, body.deviceId);
	await runBatch(env, [clearLoginFailuresStatement(env, throttleKey), ...openSessionStatements(env, session)]);
	await closeReplacedSessions(env, user.id, replaced);
	const tokens = await mintTokens(env, session);
	return { userId: user.id, ...tokens, user: userRowToLoginUser(user) };
}

/** Rotates the token pair of the session a verified refresh token names; a reused token ends the session. */
export async function refresh(env: Bindings, claims: { userId: string; sid: string; jti: string }) {
	const row = await refreshableSession(env, claims.sid, claims.userId);
	if (!row || row.revokedAt !== null) throw unauthorized("invalid refresh token", Codes.RefreshTokenInvalid);
	if (row.expiresAt <= now()) throw unauthorized("refresh token has expired", Codes.RefreshTokenExpired);
	if (row.status !== 1) throw forbidden("account is disabled", Codes.AccountDisabled);

	const nextJti = crypto.randomUUID();
	const t = now();
	const rotated = await rotateRefresh(env, {
		sessionId: claims.sid,
		presentedJti: claims.jti,
		nextJti,
		t,
		expiresAt: t + config(env).refreshTtl,
	});
	if (!rotated) {
		// An already-rotated token came back: someone else holds this session's tokens.
		await endSessions(env, claims.userId, { sessionId: claims.sid }, "token_reuse");
		throw unauthorized("refresh token was already used; the session has been ended", Codes.RefreshTokenInvalid);
	}
	return mintTokens(env, {
		userId: claims.userId,
		deviceId: row.deviceId,
		deviceType: row.deviceType,
		sid: claims.sid,
		refreshJti: nextJti,
	});
}

/** Maps a refresh token's verification failure to the refresh codes of auth.md. */
export const refreshTokenError = (e: unknown): never => {
	if (e instanceof ApiError && e.code === Codes.TokenExpired)
		throw unauthorized("refresh token has expired", Codes.RefreshTokenExpired);
	throw unauthorized("invalid refresh token", Codes.RefreshTokenInvalid);
};

/** Changes the password; every other device's session ends and the user's devices are told. */
export async function changePassword(env: Bindings, me: AuthContext, oldPassword: string, newPassword: string) {
	const hash = await passwordHashOf(env, me.userId);
	if (hash === null) throw notFound("user not found", Codes.UserNotFound);
	if (!(await verifyPassword(oldPassword, hash))) throw unauthorized("wrong old password", Codes.PasswordError);
	if (!isStrongPassword(newPassword)) throw badRequest(`newPassword ${WEAK_PASSWORD}`, Codes.PasswordWeak);
	await setPasswordHash(env, me.userId, await hashPassword(newPassword), now());
	await notify(env, [me.userId], "auth.password_changed", {
		userId: me.userId,
		deviceId: me.deviceId,
		changedAt: now(),
	});
	await endSessions(env, me.userId, { keepSessionId: me.sessionId, keepDevice: me.deviceId }, "password_changed");
}
