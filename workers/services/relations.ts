import type { Bindings } from "../env";

/** Friend-side business codes of the shared private-chat check. */
export const RelationCodes = { UserBlocked: 30114, NotFriend: 30117 } as const;

export interface PrivateChatStatus {
	/** 0 when the two may chat; otherwise 30114 (a block exists either way) or 30117 (not friends). */
	code: 0 | 30114 | 30117;
}

/**
 * The one check that says whether two users may exchange private messages (and calls):
 * friends, and neither blocks the other. Everything that needs it calls this.
 */
export async function privateChatStatus(env: Bindings, a: string, b: string): Promise<PrivateChatStatus> {
	const db = env.DB;
	const [blocked, friends] = await db.batch<{ n: number }>([
		db
			.prepare(
				"SELECT COUNT(*) AS n FROM blacklist WHERE (user_id = ? AND blocked_user_id = ?) OR (user_id = ? AND blocked_user_id = ?)",
			)
			.bind(a, b, b, a),
		db
			.prepare(
				"SELECT COUNT(*) AS n FROM friendships WHERE deleted_at IS NULL AND ((user_id = ? AND friend_id = ?) OR (user_id = ? AND friend_id = ?))",
			)
			.bind(a, b, b, a),
	]);
	if ((blocked!.results[0]?.n ?? 0) > 0) return { code: RelationCodes.UserBlocked };
	if ((friends!.results[0]?.n ?? 0) < 2) return { code: RelationCodes.NotFriend };
	return { code: 0 };
}

/**
 * How the viewer relates to another user. `isFriend`: an active friendship that no block hides
 * (a block either way hides it, see routes/friends.ts); `isBlocked`: the viewer blocks them.
 */
export async function relationFlags(
	env: Bindings,
	viewerId: string,
	targetId: string,
): Promise<{ isFriend: boolean; isBlocked: boolean }> {
	const status = await privateChatStatus(env, viewerId, targetId);
	const blocked = await env.DB.prepare("SELECT 1 FROM blacklist WHERE user_id = ? AND blocked_user_id = ?")
		.bind(viewerId, targetId)
		.first();
	return { isFriend: status.code === 0, isBlocked: blocked !== null };
}

/** The block half of `privateChatStatus`: whether either user blocks the other (calls refuse with 30114). */
export async function blockedEitherWay(env: Bindings, a: string, b: string): Promise<boolean> {
	const row = await env.DB.prepare(
		"SELECT 1 AS blocked FROM blacklist WHERE (user_id = ? AND blocked_user_id = ?) OR (user_id = ? AND blocked_user_id = ?) LIMIT 1",
	)
		.bind(a, b, b, a)
		.first();
	return row !== null;
}
