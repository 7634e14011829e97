import { and, eq, inArray, isNull, ne } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Bindings } from "../domain/env";
import { deviceSessions, userDevices, users } from "../schema";
import { dbOf } from "./client";

/**
 * Device sessions (what an access token's `sid` points at) and the devices a user has logged in
 * on. A session ends by getting `revokedAt`; a row is never deleted, so a reused refresh token
 * can still be recognised.
 */

export interface NewSession {
	userId: string;
	deviceId: string;
	deviceType: string;
	sid: string;
	refreshJti: string;
}

/** Whether a device session may still act: "active", "ended" (revoked or unknown) or "disabled" (account). */
export async function sessionState(
	env: Bindings,
	userId: string,
	sessionId: string,
): Promise<"active" | "ended" | "disabled"> {
	const row = await dbOf(env)
		.select({ revokedAt: deviceSessions.revokedAt, status: users.status })
		.from(deviceSessions)
		.innerJoin(users, eq(users.id, deviceSessions.userId))
		.where(and(eq(deviceSessions.id, sessionId), eq(deviceSessions.userId, userId)))
		.get();
	if (!row || row.revokedAt !== null) return "ended";
	return row.status === 1 ? "active" : "disabled";
}

/** Statements that open a new session for a device, replacing any earlier session of that device. */
export function openSessionStatements(
	env: Bindings,
	s: NewSession,
	t: number,
	expiresAt: number,
): BatchItem<"sqlite">[] {
	const db = dbOf(env);
	return [
		db
			.update(deviceSessions)
			.set({ revokedAt: t, revokedReason: "replaced" })
			.where(
				and(
					eq(deviceSessions.userId, s.userId),
					eq(deviceSessions.deviceId, s.deviceId),
					isNull(deviceSessions.revokedAt),
				),
			),
		db.insert(deviceSessions).values({
			id: s.sid,
			userId: s.userId,
			deviceId: s.deviceId,
			deviceType: s.deviceType,
			refreshJti: s.refreshJti,
			createdAt: t,
			refreshedAt: t,
			expiresAt,
		}),
		db
			.insert(userDevices)
			.values({ userId: s.userId, deviceId: s.deviceId, deviceType: s.deviceType, lastLoginAt: t })
			.onConflictDoUpdate({ target: [userDevices.userId, userDevices.deviceId], set: { lastLoginAt: t } }),
	];
}

/** Active sessions of one device: the ones a new login on that device replaces. */
export async function activeDeviceSessions(env: Bindings, userId: string, deviceId: string): Promise<string[]> {
	const rows = await dbOf(env)
		.select({ id: deviceSessions.id })
		.from(deviceSessions)
		.where(
			and(eq(deviceSessions.userId, userId), eq(deviceSessions.deviceId, deviceId), isNull(deviceSessions.revokedAt)),
		);
	return rows.map((r) => r.id);
}

/** What a refresh needs to know of the session its token names, and of the account. */
export const refreshableSession = async (env: Bindings, sessionId: string, userId: string) =>
	(await dbOf(env)
		.select({
			refreshJti: deviceSessions.refreshJti,
			revokedAt: deviceSessions.revokedAt,
			expiresAt: deviceSessions.expiresAt,
			deviceId: deviceSessions.deviceId,
			deviceType: deviceSessions.deviceType,
			status: users.status,
		})
		.from(deviceSessions)
		.innerJoin(users, eq(users.id, deviceSessions.userId))
		.where(and(eq(deviceSessions.id, sessionId), eq(deviceSessions.userId, userId)))
		.get()) ?? null;

/**
 * Rotates a session's refresh token, conditional on the token presented being the current one,
 * so two concurrent refreshes cannot both rotate. False: it was not (already rotated or revoked).
 */
export async function rotateRefresh(
	env: Bindings,
	r: { sessionId: string; presentedJti: string; nextJti: string; t: number; expiresAt: number },
): Promise<boolean> {
	const result = await dbOf(env)
		.update(deviceSessions)
		.set({ refreshJti: r.nextJti, refreshedAt: r.t, expiresAt: r.expiresAt })
		.where(
			and(
				eq(deviceSessions.id, r.sessionId),
				eq(deviceSessions.refreshJti, r.presentedJti),
				isNull(deviceSessions.revokedAt),
			),
		)
		.run();
	return result.meta.changes === 1;
}

/** Which sessions of a user to end: one session, the sessions of some devices, or all but one session. */
export type SessionSelection = { sessionId: string } | { deviceIds: string[] } | { allBut: string };

export async function revokeSessions(
	env: Bindings,
	userId: string,
	select: SessionSelection,
	reason: string,
	t: number,
): Promise<void> {
	const active = isNull(deviceSessions.revokedAt);
	const which =
		"sessionId" in select
			? and(eq(deviceSessions.id, select.sessionId), active)
			: "deviceIds" in select
				? and(eq(deviceSessions.userId, userId), inArray(deviceSessions.deviceId, select.deviceIds), active)
				: and(eq(deviceSessions.userId, userId), ne(deviceSessions.id, select.allBut), active);
	if ("deviceIds" in select && !select.deviceIds.length) return;
	await dbOf(env).update(deviceSessions).set({ revokedAt: t, revokedReason: reason }).where(which);
}

export const deviceOfSession = async (env: Bindings, sessionId: string): Promise<string | null> =>
	(
		await dbOf(env)
			.select({ deviceId: deviceSessions.deviceId })
			.from(deviceSessions)
			.where(eq(deviceSessions.id, sessionId))
			.get()
	)?.deviceId ?? null;
