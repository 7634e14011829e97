import { CloseCodes } from "../../contracts/ws";
import { config } from "../../domain/config";
import type { Bindings } from "../../domain/env";
import { now } from "../../domain/time";
import { notificationFrame } from "../../platform/notify";
import { hubFor } from "../../platform/stubs";
import { forgetSessions, signToken } from "../lib/auth";

export interface IssuedTokens {
	accessToken: string;
	refreshToken: string;
	expiresIn: number;
}

/** Mints the access/refresh pair of a device session. */
export async function mintTokens(
	env: Bindings,
	s: { userId: string; deviceId: string; deviceType: string; sid: string; refreshJti: string },
): Promise<IssuedTokens> {
	const cfg = config(env);
	const base = { userId: s.userId, deviceId: s.deviceId, deviceType: s.deviceType, sid: s.sid };
	const [accessToken, refreshToken] = await Promise.all([
		signToken(env, { ...base, tokenType: "access", jti: crypto.randomUUID() }, cfg.accessTtl),
		signToken(env, { ...base, tokenType: "refresh", jti: s.refreshJti }, cfg.refreshTtl),
	]);
	return { accessToken, refreshToken, expiresIn: cfg.accessTtl };
}

/** D1 statements that open a new session for a device, replacing any earlier session of that device. */
export function openSessionStatements(
	env: Bindings,
	s: { userId: string; deviceId: string; deviceType: string; sid: string; refreshJti: string },
): D1PreparedStatement[] {
	const t = now();
	const cfg = config(env);
	forgetSessions(s.userId);
	return [
		env.DB.prepare(
			"UPDATE device_sessions SET revoked_at = ?, revoked_reason = 'replaced' WHERE user_id = ? AND device_id = ? AND revoked_at IS NULL",
		).bind(t, s.userId, s.deviceId),
		env.DB.prepare(
			`INSERT INTO device_sessions (id, user_id, device_id, device_type, refresh_jti, created_at, refreshed_at, expires_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		).bind(s.sid, s.userId, s.deviceId, s.deviceType, s.refreshJti, t, t, t + cfg.refreshTtl),
		env.DB.prepare(
			`INSERT INTO user_devices (user_id, device_id, device_type, last_login_at) VALUES (?, ?, ?, ?)
			 ON CONFLICT(user_id, device_id) DO UPDATE SET last_login_at = excluded.last_login_at`,
		).bind(s.userId, s.deviceId, s.deviceType, t),
	];
}

/** Active sessions of one device: the ones a new login on that device replaces. */
export async function activeDeviceSessions(env: Bindings, userId: string, deviceId: string): Promise<string[]> {
	const rows = await env.DB.prepare(
		"SELECT id FROM device_sessions WHERE user_id = ? AND device_id = ? AND revoked_at IS NULL",
	)
		.bind(userId, deviceId)
		.all<{ id: string }>();
	return rows.results.map((r) => r.id);
}

/**
 * After a new login on a device, the sockets still open under its replaced sessions are closed
 * (4001, as for a newer socket of the device): a live socket must never outlive its session.
 */
export async function closeReplacedSessions(env: Bindings, userId: string, sessionIds: string[]): Promise<void> {
	if (!sessionIds.length) return;
	forgetSessions(userId);
	await hubFor(env, userId).closeSessions(sessionIds, CloseCodes.Replaced, "replaced by a new login on this device");
}

export type EndReason = "logout" | "password_changed" | "token_reuse" | "banned" | "disabled";

/**
 * Ends device sessions in D1 (their access tokens stop working at once) and closes the live
 * sockets of those devices after an `auth.force_logout` notification.
 */
export async function endSessions(
	env: Bindings,
	userId: string,
	select: { deviceIds?: string[]; keepSessionId?: string; keepDevice?: string; sessionId?: string },
	reason: EndReason,
): Promise<void> {
	const t = now();
	if (select.sessionId) {
		await env.DB.prepare(
			"UPDATE device_sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL",
		)
			.bind(t, reason, select.sessionId)
			.run();
	} else if (select.deviceIds) {
		await env.DB.batch(
			select.deviceIds.map((d) =>
				env.DB.prepare(
					"UPDATE device_sessions SET revoked_at = ?, revoked_reason = ? WHERE user_id = ? AND device_id = ? AND revoked_at IS NULL",
				).bind(t, reason, userId, d),
			),
		);
	} else {
		await env.DB.prepare(
			"UPDATE device_sessions SET revoked_at = ?, revoked_reason = ? WHERE user_id = ? AND id != ? AND revoked_at IS NULL",
		)
			.bind(t, reason, userId, select.keepSessionId ?? "")
			.run();
	}
	forgetSessions(userId);
	const hub = hubFor(env, userId);
	let devices: string[];
	if (select.sessionId) {
		const row = await env.DB.prepare("SELECT device_id AS deviceId FROM device_sessions WHERE id = ?")
			.bind(select.sessionId)
			.first<{ deviceId: string }>();
		devices = row ? [row.deviceId] : [];
	} else {
		devices = select.deviceIds ?? (await hub.connectedDevices()).filter((d) => d !== select.keepDevice);
	}
	await Promise.all(
		devices.map((deviceId) =>
			hub.endDevices({ deviceIds: [deviceId] }, notificationFrame("auth.force_logout", { userId, deviceId, reason })),
		),
	);
}
