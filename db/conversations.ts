import { privateConversationId } from "../contracts/ids";
import type { Bindings } from "../domain/env";
import type { MemberSnapshot, PrivateSnapshot } from "../domain/messaging-types";
import { privateChatStatus } from "./relations";

/** D1's current truth about a group, as the Conversation keeps it (also read lazily by a never-synced Conversation). */
export async function loadGroupSnapshot(env: Bindings, groupId: string): Promise<MemberSnapshot> {
	const db = env.DB;
	const [groupRes, membersRes] = await db.batch<any>([
		db.prepare("SELECT id, status, is_muted FROM groups WHERE id = ?").bind(groupId),
		db
			.prepare("SELECT user_id, role, is_muted FROM group_members WHERE group_id = ? AND left_at IS NULL")
			.bind(groupId),
	]);
	const group = groupRes!.results[0] as { id: string; status: number; is_muted: number } | undefined;
	const dissolved = !group || group.status !== 1;
	const snapshot: MemberSnapshot = {
		groupId,
		dissolved,
		groupMuted: group?.is_muted === 1,
		members: dissolved
			? []
			: (membersRes!.results as { user_id: string; role: string; is_muted: number }[]).map((m) => ({
					userId: m.user_id,
					role: m.role as "owner" | "admin" | "member",
					muted: m.is_muted === 1,
				})),
	};
	return snapshot;
}

/** Whether a private pair may chat, as the Conversation keeps it. */
export async function loadPrivateSnapshot(env: Bindings, a: string, b: string): Promise<PrivateSnapshot> {
	const status = await privateChatStatus(env, a, b);
	const users: [string, string] = a < b ? [a, b] : [b, a];
	return { conversationId: privateConversationId(a, b), users, code: status.code };
}

/**
 * Every conversation a user may have messages in, from D1 (friends, past and present, and
 * groups): only read when a UserHub rebuilds an index it lost before flushing — never per message.
 */
export async function conversationIdsOf(env: Bindings, userId: string): Promise<string[]> {
	const [friends, groups] = await env.DB.batch<{ id: string }>([
		env.DB.prepare("SELECT friend_id AS id FROM friendships WHERE user_id = ?").bind(userId),
		env.DB.prepare("SELECT group_id AS id FROM group_members WHERE user_id = ?").bind(userId),
	]);
	return [
		...friends!.results.filter((r) => r.id !== userId).map((r) => privateConversationId(userId, r.id)),
		...groups!.results.map((r) => r.id),
	];
}
