import { privateConversationId } from "../../contracts/ids";
import type { MemberSnapshot, PrivateSnapshot } from "../../durable-objects/conversation";
import type { Bindings } from "../env";
import { conversationFor } from "./hubs";
import { privateChatStatus } from "./relations";

/**
 * The Conversation objects keep copies of D1 facts so that no message needs a D1 read:
 * a group's member list, and whether a private pair may chat. These two functions are the
 * only way those copies change: every route that changes membership, friendship or the
 * blacklist calls one after its D1 write. Each sends the whole current truth (not a delta),
 * so a copy can never drift.
 */
export async function syncGroupConversation(env: Bindings, groupId: string): Promise<void> {
	await conversationFor(env, groupId).syncMembers(await loadGroupSnapshot(env, groupId));
}

export async function syncPrivateConversation(env: Bindings, a: string, b: string): Promise<void> {
	await conversationFor(env, privateConversationId(a, b)).syncPrivate(await loadPrivateSnapshot(env, a, b));
}

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
