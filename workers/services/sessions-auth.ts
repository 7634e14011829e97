import type { BatchItem } from "drizzle-orm/batch";
import { CloseCodes } from "../../contracts/ws";
import {
	deviceOfSession,
	type NewSession,
	openSessionStatements as openSessionRows,
	revokeSessions,
} from "../../db/device-sessions";
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
export async function mintTokens(env: Bindings, s: NewSession): Promise<IssuedTokens> {
	const cfg = config(env);
	const base = { userId: s.userId, deviceId: s.deviceId, deviceType: s.deviceType, sid: s.sid };
	const [accessToken, refreshToken] = await Promise.all([
		signToken(env, { ...base, tokenType: "access", jti: crypto.randomUUID() }, cfg.accessTtl),
		signToken(env, { ...base, tokenType: "refresh", jti: s.refreshJti }, cfg.refreshTtl),
	]);
	return { accessToken, refreshToken, expiresIn: cfg.accessTtl };
}

/** Statements that open a new session for a device, replacing any earlier session of that device. */
export function openSessionStatements(env: Bindings, s: NewSession): BatchItem<"sqlite">[] {
	const t = now();
	forgetSessions(s.userId);
	return openSessionRows(env, s, t, t + config(env).refreshTtl);
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
	await revokeSessions(
		env,
		userId,
		select.sessionId
			? { sessionId: select.sessionId }
			: select.deviceIds
				? { deviceIds: select.deviceIds }
				: { allBut: select.keepSessionId ?? "" },
		reason,
		t,
	);
	forgetSessions(userId);
	const hub = hubFor(env, userId);
	let devices: string[];
	if (select.sessionId) {
		const deviceId = await deviceOfSession(env, select.sessionId);
		devices = deviceId ? [deviceId] : [];
	} else {
		devices = select.deviceIds ?? (await hub.connectedDevices()).filter((d) => d !== select.keepDevice);
	}
	await Promise.all(
		devices.map((deviceId) =>
			hub.endDevices({ deviceIds: [deviceId] }, notificationFrame("auth.force_logout", { userId, deviceId, reason })),
		),
	);
}
