import type { Bindings } from "../domain/env";

/** Friend-side business codes of the shared private-chat check. */
export const RelationCodes = { UserBlocked: 30114, NotFriend: 30117 } as const;

export interface PrivateChatStatus {
	/** 0 when the two may chat; otherwise 30114 (a block exists either way) or 30117 (not friends). */
	code: 0 | 30114 | 30117;
}

// The two relation queries, each written once: callers run one alone or batch both.
const blockCount = (env: Bindings, a: string, b: string) =>
	env.DB.prepare(
		"SELECT COUNT(*) AS n FROM blacklist WHERE (user_id = ? AND blocked_user_id = ?) OR (user_id = ? AND blocked_user_id = ?)",
	).bind(a, b, b, a);

/** Active friendship rows between the two: 2 means friends (each side keeps its own row). */
const friendshipCount = (env: Bindings, a: string, b: string) =>
	env.DB.prepare(
		"SELECT COUNT(*) AS n FROM friendships WHERE deleted_at IS NULL AND ((user_id = ? AND friend_id = ?) OR (user_id = ? AND friend_id = ?))",
	).bind(a, b, b, a);

const count = (r: D1Result<{ n: number }> | undefined) => r?.results[0]?.n ?? 0;

/**
 * The one check that says whether two users may exchange private messages (and calls):
 * friends, and neither blocks the other. Everything that needs it calls this.
 */
export async function privateChatStatus(env: Bindings, a: string, b: string): Promise<PrivateChatStatus> {
	const [blocked, friends] = await env.DB.batch<{ n: number }>([blockCount(env, a, b), friendshipCount(env, a, b)]);
	if (count(blocked) > 0) return { code: RelationCodes.UserBlocked };
	if (count(friends) < 2) return { code: RelationCodes.NotFriend };
	return { code: 0 };
}

/** The block half of `privateChatStatus`: whether either user blocks the other (requests and calls refuse with 30114). */
export async function blockedEitherWay(env: Bindings, a: string, b: string): Promise<boolean> {
	return ((await blockCount(env, a, b).first<{ n: number }>())?.n ?? 0) > 0;
}

/** The friend half of `privateChatStatus`: both rows active. A friendship hidden by a block still counts. */
export async function areFriends(env: Bindings, a: string, b: string): Promise<boolean> {
	return ((await friendshipCount(env, a, b).first<{ n: number }>())?.n ?? 0) === 2;
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
