import { and, asc, count, eq, inArray, ne, or, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { chunks } from "../domain/chunks";
import type { Bindings } from "../domain/env";
import { pushTokens, userQrcodes, userSettings, users } from "../schema";
import { dbOf } from "./client";
import { fetchPage, type PageParams } from "./paging";

/**
 * The users aggregate's queries: accounts and profiles, settings, personal QR codes and push
 * tokens. Device sessions are in ./device-sessions, the login throttle in ./login-failures.
 */

export type UserRow = typeof users.$inferSelect;
export type SettingsRow = typeof userSettings.$inferSelect;
export type UserCardRow = Pick<UserRow, "id" | "nickname" | "avatar">;
/** The settings a user may change (everything but the key and the change time). */
export type SettingsChange = Partial<Omit<SettingsRow, "userId" | "updatedAt">>;
/** The profile fields a user may change. */
export type ProfileChange = Partial<
	Pick<UserRow, "nickname" | "avatar" | "signature" | "gender" | "region" | "birthday">
>;

/** The nickname and avatar of one user (a message's sender card), or null for an unknown ID. */
export const nicknameAndAvatar = async (env: Bindings, userId: string) =>
	(await dbOf(env)
		.select({ nickname: users.nickname, avatar: users.avatar })
		.from(users)
		.where(eq(users.id, userId))
		.get()) ?? null;

export const userById = async (env: Bindings, userId: string): Promise<UserRow | null> =>
	(await dbOf(env).select().from(users).where(eq(users.id, userId)).get()) ?? null;

/** The account a login names: by phone or by email, whichever matches. */
export const userByAccount = async (env: Bindings, account: string): Promise<UserRow | null> =>
	(await dbOf(env)
		.select()
		.from(users)
		.where(or(eq(users.phone, account), eq(users.email, account)))
		.limit(1)
		.get()) ?? null;

export async function phoneOrEmailTaken(env: Bindings, field: "phone" | "email", value: string): Promise<boolean> {
	const row = await dbOf(env).select({ id: users.id }).from(users).where(eq(users[field], value)).get();
	return row !== undefined;
}

/** Whether another user than `selfId` has this nickname. */
export async function nicknameTakenByOther(env: Bindings, nickname: string, selfId: string): Promise<boolean> {
	const row = await dbOf(env)
		.select({ id: users.id })
		.from(users)
		.where(and(eq(users.nickname, nickname), ne(users.id, selfId)))
		.get();
	return row !== undefined;
}

/** Short cards of many users (chunked: D1 binds at most 100 parameters per statement). */
export async function userCardRows(env: Bindings, ids: string[]): Promise<UserCardRow[]> {
	const unique = [...new Set(ids)];
	const out: UserCardRow[] = [];
	const db = dbOf(env);
	for (const chunk of chunks(unique)) {
		out.push(
			...(await db
				.select({ id: users.id, nickname: users.nickname, avatar: users.avatar })
				.from(users)
				.where(inArray(users.id, chunk))),
		);
	}
	return out;
}

/** For a registration's batch: the account, its default settings and its first QR code. */
export function newUserStatements(
	env: Bindings,
	u: { id: string; phone: string | null; email: string | null; passwordHash: string; nickname: string; t: number },
	qr: { token: string; expiresAt: number },
): BatchItem<"sqlite">[] {
	const db = dbOf(env);
	return [
		db.insert(users).values({
			id: u.id,
			phone: u.phone,
			email: u.email,
			passwordHash: u.passwordHash,
			status: 1,
			nickname: u.nickname,
			qrcodeToken: qr.token,
			createdAt: u.t,
			updatedAt: u.t,
		}),
		db.insert(userSettings).values({ userId: u.id, updatedAt: u.t }),
		insertQrcodeStatement(env, qr.token, u.id, u.t, qr.expiresAt),
	];
}

/** A new personal QR code row (the caller points the user at it in the same batch). */
export const insertQrcodeStatement = (env: Bindings, token: string, userId: string, t: number, expiresAt: number) =>
	dbOf(env).insert(userQrcodes).values({ token, userId, createdAt: t, expiresAt });

/** Replaces the user's QR code: the new code row and the user's pointer to it, in one batch. */
export async function replaceQrcode(env: Bindings, userId: string, token: string, t: number, expiresAt: number) {
	const db = dbOf(env);
	await db.batch([
		insertQrcodeStatement(env, token, userId, t, expiresAt),
		db.update(users).set({ qrcodeToken: token, updatedAt: t }).where(eq(users.id, userId)),
	]);
}

/** The user a QR code points at, with the code's expiry. */
export const qrcodeOwner = async (env: Bindings, token: string) =>
	(await dbOf(env)
		.select({
			expiresAt: userQrcodes.expiresAt,
			id: users.id,
			nickname: users.nickname,
			avatar: users.avatar,
			signature: users.signature,
			status: users.status,
		})
		.from(userQrcodes)
		.innerJoin(users, eq(users.id, userQrcodes.userId))
		.where(eq(userQrcodes.token, token))
		.get()) ?? null;

export async function updateProfile(env: Bindings, userId: string, change: ProfileChange, t: number): Promise<void> {
	await dbOf(env)
		.update(users)
		.set({ ...change, updatedAt: t })
		.where(eq(users.id, userId));
}

export const passwordHashOf = async (env: Bindings, userId: string): Promise<string | null> =>
	(await dbOf(env).select({ hash: users.passwordHash }).from(users).where(eq(users.id, userId)).get())?.hash ?? null;

export async function setPasswordHash(env: Bindings, userId: string, hash: string, t: number): Promise<void> {
	await dbOf(env).update(users).set({ passwordHash: hash, updatedAt: t }).where(eq(users.id, userId));
}

export const settingsOf = async (env: Bindings, userId: string): Promise<SettingsRow | null> =>
	(await dbOf(env).select().from(userSettings).where(eq(userSettings.userId, userId)).get()) ?? null;

export async function updateSettings(env: Bindings, userId: string, change: SettingsChange, t: number): Promise<void> {
	await dbOf(env)
		.update(userSettings)
		.set({ ...change, updatedAt: t })
		.where(eq(userSettings.userId, userId));
}

/**
 * Active users matching a search: nickname substring, or an exact phone (`phones`, when the user
 * allows search by phone) or user ID (when allowed). Ordered by nickname, then ID.
 */
export async function searchUsers(
	env: Bindings,
	q: { keyword: string; phones: string[] },
	page: PageParams,
): Promise<{ rows: Pick<UserRow, "id" | "nickname" | "avatar" | "signature">[]; total: number }> {
	const db = dbOf(env);
	// instr, not LIKE: D1 refuses LIKE patterns over 50 bytes (a 500 for long keywords), and a
	// substring test needs no escaping of % and _. lower() matches LIKE's ASCII case folding.
	const where: SQL | undefined = and(
		eq(users.status, 1),
		or(
			sql`instr(lower(${users.nickname}), lower(${q.keyword})) > 0`,
			and(inArray(users.phone, q.phones), eq(userSettings.searchByPhone, true)),
			and(eq(users.id, q.keyword), eq(userSettings.searchById, true)),
		),
	);
	const rows = db
		.select({ id: users.id, nickname: users.nickname, avatar: users.avatar, signature: users.signature })
		.from(users)
		.innerJoin(userSettings, eq(userSettings.userId, users.id))
		.where(where)
		.orderBy(asc(users.nickname), asc(users.id));
	const total = db
		.select({ n: count() })
		.from(users)
		.innerJoin(userSettings, eq(userSettings.userId, users.id))
		.where(where);
	return fetchPage(db, rows, total, page);
}

/** Registers or replaces the push token of one device of a user. */
export async function upsertPushToken(
	env: Bindings,
	r: { userId: string; deviceId: string; pushToken: string; platform: string; t: number },
): Promise<void> {
	await dbOf(env)
		.insert(pushTokens)
		.values({ userId: r.userId, deviceId: r.deviceId, pushToken: r.pushToken, platform: r.platform, updatedAt: r.t })
		.onConflictDoUpdate({
			target: [pushTokens.userId, pushTokens.deviceId],
			set: { pushToken: r.pushToken, platform: r.platform, updatedAt: r.t },
		});
}
