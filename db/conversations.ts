import { and, eq, isNull } from "drizzle-orm";
import { privateConversationId } from "../contracts/ids";
import type { Bindings } from "../domain/env";
import type { MemberSnapshot, PrivateSnapshot } from "../domain/messaging-types";
import { friendships, groupMembers, groups } from "../schema";
import { dbOf } from "./client";
import type { Role } from "./groups";
import { privateChatStatus } from "./relations";

/** D1's current truth about a group, as the Conversation keeps it (also read lazily by a never-synced Conversation). */
export async function loadGroupSnapshot(env: Bindings, groupId: string): Promise<MemberSnapshot> {
	const db = dbOf(env);
	const [groupRows, memberRows] = await db.batch([
		db.select({ status: groups.status, isMuted: groups.isMuted }).from(groups).where(eq(groups.id, groupId)),
		db
			.select({ userId: groupMembers.userId, role: groupMembers.role, isMuted: groupMembers.isMuted })
			.from(groupMembers)
			.where(and(eq(groupMembers.groupId, groupId), isNull(groupMembers.leftAt))),
	]);
	const group = groupRows[0];
	const dissolved = !group || group.status !== 1;
	return {
		groupId,
		dissolved,
		groupMuted: group?.isMuted === true,
		members: dissolved ? [] : memberRows.map((m) => ({ userId: m.userId, role: m.role as Role, muted: m.isMuted })),
	};
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
	const db = dbOf(env);
	const [friends, memberships] = await db.batch([
		db.select({ id: friendships.friendId }).from(friendships).where(eq(friendships.userId, userId)),
		db.select({ id: groupMembers.groupId }).from(groupMembers).where(eq(groupMembers.userId, userId)),
	]);
	return [
		...friends.filter((r) => r.id !== userId).map((r) => privateConversationId(userId, r.id)),
		...memberships.map((r) => r.id),
	];
}
