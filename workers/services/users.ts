import type { z } from "zod";
import {
	BIRTHDAY_MAX,
	BIRTHDAY_MIN,
	type UpdateProfileRequest,
	type UpdateSettingsRequest,
} from "../../contracts/users";
import {
	nicknameTakenByOther,
	type ProfileChange,
	qrcodeOwner,
	replaceQrcode,
	type SettingsChange,
	type SettingsRow,
	searchUsers,
	settingsOf,
	type UserRow,
	updateProfile,
	updateSettings,
	upsertPushToken,
	userById,
	userCardRows,
} from "../../db/users";
import type { Bindings } from "../../domain/env";
import { now } from "../../domain/time";
import { badRequest, Codes, conflict, notFound } from "../lib/errors";

export type { UserRow };

export const QR_TTL_SECONDS = 24 * 3600;
const BLOCKED_NICKNAME_WORDS = ["admin", "系统", "客服", "官方"];

export const qrcodeUrl = (token: string) => (token ? `anychat://qrcode?token=${token}` : "");

export const userRowToLoginUser = (u: UserRow) => ({
	userId: u.id,
	nickname: u.nickname,
	avatar: u.avatar,
	phone: u.phone ?? "",
	email: u.email ?? "",
});

/** The public part of a profile: what other users see and what profile notifications carry. */
export const publicProfileOf = (u: UserRow) => ({
	userId: u.id,
	nickname: u.nickname,
	avatar: u.avatar,
	signature: u.signature,
	gender: u.gender,
	region: u.region,
});

export const userRowToProfile = (u: UserRow) => ({
	userId: u.id,
	nickname: u.nickname,
	avatar: u.avatar,
	signature: u.signature,
	gender: u.gender,
	region: u.region,
	phone: u.phone ?? "",
	email: u.email ?? "",
	birthday: u.birthday ?? 0,
	qrcodeUrl: qrcodeUrl(u.qrcodeToken),
	createdAt: u.createdAt,
	updatedAt: u.updatedAt,
});

/** The short card other code embeds (`userInfo`, `senderInfo`, ...). */
export const userCard = (u: Pick<UserRow, "id" | "nickname" | "avatar">) => ({
	userId: u.id,
	nickname: u.nickname,
	avatar: u.avatar,
});

/** 1–20 characters, no reserved words, unique (users.md). */
export async function checkNickname(env: Bindings, nickname: string, selfId: string): Promise<void> {
	const length = [...nickname].length;
	if (length < 1 || length > 20) throw badRequest("nickname must be 1-20 characters");
	const lower = nickname.toLowerCase();
	if (BLOCKED_NICKNAME_WORDS.some((w) => lower.includes(w)))
		throw badRequest("nickname contains a reserved word", Codes.NicknameSensitive);
	if (await nicknameTakenByOther(env, nickname, selfId))
		throw conflict("nickname is already taken", Codes.NicknameUsed);
}

/** A fresh personal QR code token (`<userId>_<16 hex>`) and when it expires. */
export function newQrcode(userId: string, t: number) {
	const random = [...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, "0")).join("");
	return { token: `${userId}_${random}`, expiresAt: t + QR_TTL_SECONDS };
}

export const getUserRow = userById;

/** A card from `userCards`, or an empty one for a user whose row is gone. */
export const cardOf = (cards: Map<string, ReturnType<typeof userCard>>, id: string) =>
	cards.get(id) ?? { userId: id, nickname: "", avatar: "" };

/** Short cards for many users at once. */
export async function userCards(env: Bindings, ids: string[]) {
	const out = new Map<string, { userId: string; nickname: string; avatar: string }>();
	for (const r of await userCardRows(env, ids)) out.set(r.id, userCard(r));
	return out;
}

/**
 * A birthday is a calendar date, stored as 00:00 UTC of that date. A timestamp keeps the date it
 * was written with: "1990-01-01T00:00:00+08:00" is 1 January, not the UTC instant's 31 December.
 */
export const birthdayDay = (v: string | number): number => {
	if (typeof v === "number") return v;
	const ms = Date.parse(`${v.slice(0, 10)}T00:00:00Z`);
	if (Number.isNaN(ms)) throw badRequest("birthday is not a valid date");
	// Not Date.UTC(y, m, d): it reads years 0-99 as 1900-1999, turning 0001-01-01 into 1901.
	const day = Math.floor(ms / 86_400_000) * 86_400;
	if (day < BIRTHDAY_MIN || day > BIRTHDAY_MAX) throw badRequest("birthday must be between 1900-01-01 and 2100-01-01");
	return day;
};

/**
 * Applies a partial profile update; returns the row after it and whether anything changed (the
 * caller notifies the user's other devices and friends only then).
 */
export async function changeProfile(
	env: Bindings,
	userId: string,
	body: z.output<typeof UpdateProfileRequest>,
): Promise<{ row: UserRow; changed: boolean }> {
	const change: ProfileChange = {};
	if (body.nickname !== undefined) {
		await checkNickname(env, body.nickname, userId);
		change.nickname = body.nickname;
	}
	for (const key of ["avatar", "signature", "region"] as const) if (body[key] !== undefined) change[key] = body[key];
	if (body.gender !== undefined) change.gender = body.gender;
	if (body.birthday !== undefined) change.birthday = birthdayDay(body.birthday);
	const changed = Object.keys(change).length > 0;
	if (changed) await updateProfile(env, userId, change, now());
	const row = await userById(env, userId);
	if (!row) throw notFound("user not found", Codes.UserProfileNotFound);
	return { row, changed };
}

export const settingsOut = (r: SettingsRow) => ({
	userId: r.userId,
	notificationEnabled: r.notificationEnabled,
	soundEnabled: r.soundEnabled,
	vibrationEnabled: r.vibrationEnabled,
	messagePreviewEnabled: r.messagePreviewEnabled,
	friendVerifyRequired: r.friendVerifyRequired,
	searchByPhone: r.searchByPhone,
	searchById: r.searchById,
	language: String(r.language),
});

export async function settingsFor(env: Bindings, userId: string) {
	const row = await settingsOf(env, userId);
	if (!row) throw notFound("settings not found", Codes.UserProfileNotFound);
	return settingsOut(row);
}

export async function changeSettings(env: Bindings, userId: string, body: z.output<typeof UpdateSettingsRequest>) {
	// The request's keys are the settings' own names (the schema strips any other key).
	const change = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) as SettingsChange;
	if (Object.keys(change).length) await updateSettings(env, userId, change, now());
	return settingsFor(env, userId);
}

/** Issues a new personal QR code; the previous one stays valid until it expires. */
export async function refreshQrcode(env: Bindings, userId: string) {
	const t = now();
	const qr = newQrcode(userId, t);
	await replaceQrcode(env, userId, qr.token, t, qr.expiresAt);
	return { qrcodeUrl: qrcodeUrl(qr.token), expiresAt: qr.expiresAt };
}

/** The public card behind a QR code token: unknown or disabled → QRCodeInvalid, expired → QRCodeExpired. */
export async function userByQrcode(env: Bindings, token: string) {
	const row = await qrcodeOwner(env, token);
	if (!row || row.status !== 1) throw badRequest("unknown QR code", Codes.QRCodeInvalid);
	if (row.expiresAt <= now()) throw badRequest("QR code has expired", Codes.QRCodeExpired);
	return { userId: row.id, nickname: row.nickname, avatar: row.avatar, signature: row.signature };
}

export async function searchPublicUsers(env: Bindings, q: { keyword: string; page: number; pageSize: number }) {
	// "+" in an unencoded query string arrives as a space and is trimmed away, so digits alone
	// also match the E.164 number they came from.
	const phone = /^\d+$/.test(q.keyword) ? `+${q.keyword}` : q.keyword;
	const { rows, total } = await searchUsers(
		env,
		{ keyword: q.keyword, phones: [q.keyword, phone] },
		{ page: q.page, pageSize: q.pageSize },
	);
	const list = rows.map((u) => ({ userId: u.id, nickname: u.nickname, avatar: u.avatar, signature: u.signature }));
	return { users: list, total };
}

export const registerPushToken = (
	env: Bindings,
	userId: string,
	b: { deviceId: string; pushToken: string; platform: string },
) => upsertPushToken(env, { userId, ...b, t: now() });
