import type { Bindings } from "../../domain/env";
import { badRequest, Codes, conflict } from "../lib/errors";

export interface UserRow {
	id: string;
	phone: string | null;
	email: string | null;
	password_hash: string;
	status: number;
	nickname: string;
	avatar: string;
	signature: string;
	gender: number;
	birthday: number | null;
	region: string;
	qrcode_token: string;
	created_at: number;
	updated_at: number;
}

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
	qrcodeUrl: qrcodeUrl(u.qrcode_token),
	createdAt: u.created_at,
	updatedAt: u.updated_at,
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
	const taken = await env.DB.prepare("SELECT 1 FROM users WHERE nickname = ? AND id != ?")
		.bind(nickname, selfId)
		.first();
	if (taken) throw conflict("nickname is already taken", Codes.NicknameUsed);
}

export function newQrcodeStatements(env: Bindings, userId: string, t: number) {
	const random = [...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, "0")).join("");
	const token = `${userId}_${random}`;
	return {
		token,
		expiresAt: t + QR_TTL_SECONDS,
		insert: env.DB.prepare(
			"INSERT INTO user_qrcodes (token, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
		).bind(token, userId, t, t + QR_TTL_SECONDS),
	};
}

export async function getUserRow(env: Bindings, userId: string): Promise<UserRow | null> {
	return env.DB.prepare("SELECT * FROM users WHERE id = ?").bind(userId).first<UserRow>();
}

/** Short cards for many users at once (one query). */
/** A card from `userCards`, or an empty one for a user whose row is gone. */
export const cardOf = (cards: Map<string, ReturnType<typeof userCard>>, id: string) =>
	cards.get(id) ?? { userId: id, nickname: "", avatar: "" };

export async function userCards(env: Bindings, ids: string[]) {
	const unique = [...new Set(ids)];
	const out = new Map<string, { userId: string; nickname: string; avatar: string }>();
	for (let i = 0; i < unique.length; i += 90) {
		const chunk = unique.slice(i, i + 90);
		const rows = await env.DB.prepare(
			`SELECT id, nickname, avatar FROM users WHERE id IN (${chunk.map(() => "?").join(",")})`,
		)
			.bind(...chunk)
			.all<Pick<UserRow, "id" | "nickname" | "avatar">>();
		for (const r of rows.results) out.set(r.id, userCard(r));
	}
	return out;
}
