import type { z } from "zod";
import type { Friend } from "../../contracts/friends";
import type { NotificationData } from "../../contracts/notifications";
import type { Bindings } from "../../domain/env";
import { notify } from "../../platform/notify";

type FriendOut = z.infer<typeof Friend>;

/** A block between the row's two users, in either direction: it hides the friendship from both. */
const BLOCKED = `EXISTS (SELECT 1 FROM blacklist b
	WHERE (b.user_id = f.user_id AND b.blocked_user_id = f.friend_id)
	   OR (b.user_id = f.friend_id AND b.blocked_user_id = f.user_id))`;

interface FriendRow {
	friend_id: string;
	remark: string;
	created_at: number;
	updated_at: number;
	deleted_at: number | null;
	blocked: number;
	nickname: string | null;
	avatar: string | null;
}

const SELECT_FRIENDS = `SELECT f.friend_id, f.remark, f.created_at, f.updated_at, f.deleted_at, ${BLOCKED} AS blocked,
	u.nickname, u.avatar
	FROM friendships f LEFT JOIN users u ON u.id = f.friend_id`;

const friendOut = (r: FriendRow): FriendOut => ({
	userId: r.friend_id,
	remark: r.remark,
	createdAt: r.created_at,
	updatedAt: r.updated_at,
	isDeleted: r.deleted_at !== null || r.blocked === 1,
	userInfo: { userId: r.friend_id, nickname: r.nickname ?? "", avatar: r.avatar ?? "" },
});

/**
 * The caller's friends. `since` ≤ 0: the visible friends (active and not hidden by a block).
 * `since` > 0: every row changed at or after `since`, ended or hidden ones flagged `isDeleted`
 * (the boundary second is included: a change in the same second as the previous sync must not be
 * lost, and clients upsert, so a repeat is harmless). Newest change first.
 */
export async function listFriends(
	env: Bindings,
	userId: string,
	since: number,
	page?: { page: number; pageSize: number },
): Promise<{ list: FriendOut[]; total: number }> {
	const where =
		since > 0 ? "f.user_id = ? AND f.updated_at >= ?" : `f.user_id = ? AND f.deleted_at IS NULL AND NOT ${BLOCKED}`;
	const args = since > 0 ? [userId, since] : [userId];
	const limit = page ? " LIMIT ? OFFSET ?" : "";
	const limitArgs = page ? [page.pageSize, (page.page - 1) * page.pageSize] : [];
	const db = env.DB;
	const [count, rows] = await db.batch<any>([
		db.prepare(`SELECT COUNT(*) AS n FROM friendships f WHERE ${where}`).bind(...args),
		db
			.prepare(`${SELECT_FRIENDS} WHERE ${where} ORDER BY f.updated_at DESC, f.friend_id${limit}`)
			.bind(...args, ...limitArgs),
	]);
	return {
		list: (rows!.results as FriendRow[]).map(friendOut),
		total: Number(count!.results[0]?.n ?? 0),
	};
}

/** For `POST /sync`: the user's friend rows changed at or after `since` (deletions and block-hidden ones flagged). */
export async function friendsChangedSince(env: Bindings, userId: string, since: number): Promise<FriendOut[]> {
	return (await listFriends(env, userId, Math.max(since, 0))).list;
}

/** Statements that make `a` and `b` friends: new rows, or reactivated tombstones (remarks kept). */
export function befriendStatements(env: Bindings, a: string, b: string, t: number) {
	const sql = `INSERT INTO friendships (user_id, friend_id, remark, created_at, updated_at, deleted_at)
		VALUES (?, ?, '', ?, ?, NULL)
		ON CONFLICT(user_id, friend_id) DO UPDATE SET deleted_at = NULL, created_at = excluded.created_at,
		updated_at = excluded.updated_at`;
	return [env.DB.prepare(sql).bind(a, b, t, t), env.DB.prepare(sql).bind(b, a, t, t)];
}

/** Moves both rows' `updatedAt`, so incremental lists report a visibility change (block/unblock). */
export const touchFriendshipStatement = (env: Bindings, a: string, b: string, t: number) =>
	env.DB.prepare(
		"UPDATE friendships SET updated_at = ? WHERE (user_id = ? AND friend_id = ?) OR (user_id = ? AND friend_id = ?)",
	).bind(t, a, b, b, a);

/** The users who see `userId` as a friend right now (active, not hidden by a block). */
export async function visibleFriendIds(env: Bindings, userId: string): Promise<string[]> {
	const rows = await env.DB.prepare(
		`SELECT f.friend_id FROM friendships f WHERE f.user_id = ? AND f.deleted_at IS NULL AND NOT ${BLOCKED}`,
	)
		.bind(userId)
		.all<{ friend_id: string }>();
	return rows.results.map((r) => r.friend_id);
}

/** Called by `PUT /users/me` after a profile change: tells the user's friends. */
export async function notifyFriendsOfProfileChange(
	env: Bindings,
	data: NotificationData<"user.friend_profile_changed">,
): Promise<void> {
	const friends = await visibleFriendIds(env, data.userId);
	if (friends.length) await notify(env, friends, "user.friend_profile_changed", data);
}
