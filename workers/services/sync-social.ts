import type { z } from "zod";
import type { SyncFriend, SyncGroup } from "../../contracts/sync";
import type { Bindings } from "../env";

/**
 * Friends and groups changed since `since` (0 = everything current), deletions included as
 * `isDeleted` rows. STAND-IN: the social-graph helper writes `friendsChangedSince` /
 * `groupsChangedSince` in workers/services/; when merged, replace this one function's body
 * with calls to those two.
 */
export async function socialChangesSince(
	env: Bindings,
	userId: string,
	since: number,
): Promise<{ friends: z.input<typeof SyncFriend>[]; groups: z.input<typeof SyncGroup>[] }> {
	// Full sync: what is current. Incremental: every row that moved since, tombstones included.
	const friendsSql = `SELECT f.friend_id, f.remark, f.updated_at, f.deleted_at, u.nickname, u.avatar
		FROM friendships f LEFT JOIN users u ON u.id = f.friend_id
		WHERE f.user_id = ? AND ${since > 0 ? "f.updated_at >= ?" : "f.deleted_at IS NULL"}
		ORDER BY f.updated_at DESC`;
	const groupsSql = `SELECT g.id, g.name, g.avatar, g.owner_id, g.member_count, g.join_verify, g.status,
		       MAX(g.updated_at, m.updated_at) AS updated_at, m.role, m.left_at
		FROM group_members m JOIN groups g ON g.id = m.group_id
		WHERE m.user_id = ? AND ${since > 0 ? "(g.updated_at >= ? OR m.updated_at >= ?)" : "m.left_at IS NULL AND g.status = 1"}
		ORDER BY updated_at DESC`;
	const [friends, groups] = await env.DB.batch<any>([
		env.DB.prepare(friendsSql).bind(...(since > 0 ? [userId, since] : [userId])),
		env.DB.prepare(groupsSql).bind(...(since > 0 ? [userId, since, since] : [userId])),
	]);
	return {
		friends: friends!.results.map((r: any) => ({
			userId: r.friend_id,
			remark: r.remark,
			updatedAt: r.updated_at,
			isDeleted: r.deleted_at !== null,
			userInfo: { userId: r.friend_id, nickname: r.nickname ?? "", avatar: r.avatar ?? "" },
		})),
		groups: groups!.results.map((r: any) => ({
			groupId: r.id,
			name: r.name,
			avatar: r.avatar,
			ownerId: r.owner_id,
			memberCount: r.member_count,
			myRole: r.role,
			joinVerify: r.join_verify === 1,
			updatedAt: r.updated_at,
			isDeleted: r.status !== 1 || r.left_at !== null,
		})),
	};
}
