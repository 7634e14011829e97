import type { z } from "zod";
import type { CreateGroupRequest, Group, GroupListItem, UpdateGroupRequest } from "../../contracts/groups";
import type { NotificationData, NotificationType } from "../../contracts/notifications";
import {
	activeGroup,
	type GroupInfo,
	type GroupRow,
	groupsOfUser,
	insertGroup,
	markDissolved,
	memberCount,
	memberIds,
	memberRole,
	type Role,
	updateGroupInfo,
} from "../../db/groups";
import { getConfigValue } from "../../db/system-config";
import { isLargeGroup } from "../../domain/config";
import type { Bindings } from "../../domain/env";
import { now } from "../../domain/time";
import { logError } from "../../platform/log";
import { notify } from "../../platform/notify";
import { conversationFor } from "../../platform/stubs";
import { emitWebhookEvent } from "../../platform/webhook-events";
import { badRequest, Codes, conflict, forbidden, notFound } from "../lib/errors";
import { syncGroupConversation } from "./conversation-sync";
import { enforceRateLimit } from "./rate-limits";
import { userCards } from "./users";

type GroupOut = z.infer<typeof Group>;

export const groupOut = (g: GroupRow, myRole: Role | "" | null): GroupOut => ({
	groupId: g.id,
	name: g.name,
	avatar: g.avatar,
	announcement: g.announcement,
	ownerId: g.ownerId,
	memberCount: g.memberCount,
	maxMembers: g.maxMembers,
	myRole: myRole ?? "",
	joinVerify: g.joinVerify,
	allowMemberInvite: g.allowMemberInvite,
	isMuted: g.isMuted,
	createdAt: g.createdAt,
	updatedAt: g.updatedAt,
});

export const limitReached = () => conflict("the group has reached its member limit", Codes.GroupMemberLimitReached);

/** 400 naming the first ID in `ids` that is no user. */
export async function requireUsersExist(env: Bindings, ids: string[], field: string): Promise<void> {
	const cards = await userCards(env, ids);
	const missing = ids.find((id) => !cards.has(id));
	if (missing) throw badRequest(`${field}: unknown user ${missing}`);
}

/** An active group, or 404 40101 (a dissolved group is not found for every lookup). */
export async function requireGroup(env: Bindings, groupId: string): Promise<GroupRow> {
	const g = await activeGroup(env, groupId);
	if (!g) throw notFound("group not found", Codes.GroupNotFound);
	return g;
}

/**
 * `requireGroup` in the row shape routes/admin.ts still reads (snake_case, 0/1 flags).
 * @deprecated routes/admin.ts should read `requireGroup`'s row; then this goes.
 */
export async function loadGroup(env: Bindings, groupId: string) {
	const g = await requireGroup(env, groupId);
	return {
		id: g.id,
		name: g.name,
		avatar: g.avatar,
		announcement: g.announcement,
		owner_id: g.ownerId,
		member_count: g.memberCount,
		max_members: g.maxMembers,
		join_verify: g.joinVerify ? 1 : 0,
		allow_member_invite: g.allowMemberInvite ? 1 : 0,
		is_muted: g.isMuted ? 1 : 0,
		status: g.status,
		created_at: g.createdAt,
		updated_at: g.updatedAt,
	};
}

/** The group and the caller's role; 404 40101 for a missing group, 403 40105 for a non-member. */
export async function asMember(env: Bindings, groupId: string, userId: string) {
	const group = await requireGroup(env, groupId);
	const role = await memberRole(env, groupId, userId);
	if (!role) throw forbidden("you are not a member of this group", Codes.NotGroupMember);
	return { group, role };
}

/** Like `asMember`, and the caller must be the owner or an admin (403 40108). */
export async function asAdmin(env: Bindings, groupId: string, userId: string) {
	const m = await asMember(env, groupId, userId);
	if (m.role === "member") throw forbidden("only the owner or an admin can do this", Codes.NoAdminPermission);
	return m;
}

/** Like `asMember`, and the caller must be the owner (403 40107). */
export async function asOwner(env: Bindings, groupId: string, userId: string) {
	const m = await asMember(env, groupId, userId);
	if (m.role !== "owner") throw forbidden("only the group owner can do this", Codes.NoOwnerPermission);
	return m;
}

/**
 * Sends a group event to the current members, plus `extra` users (someone who just left or
 * joined). A large group (isLargeGroup) tells only its members with a live socket (its
 * Conversation's presence), as its messages do: an offline member's hub has no socket to write
 * to, and waking all 10,000 hubs of a group per change costs 10,000 object starts for nothing
 * (locally, more open files than workerd may hold). Offline members see the change when they sync.
 */
export async function notifyGroup<T extends NotificationType>(
	env: Bindings,
	groupId: string,
	type: T,
	data: NotificationData<T>,
	extra: string[] = [],
): Promise<void> {
	const members = await memberIds(env, groupId);
	const targets = isLargeGroup(env, members.length) ? await onlineOrAll(env, groupId, members) : members;
	await notify(env, [...targets, ...extra], type, data);
}

/** The group's online members; every member when its Conversation cannot say (the old behaviour, never fewer). */
async function onlineOrAll(env: Bindings, groupId: string, members: string[]): Promise<string[]> {
	try {
		return (await conversationFor(env, groupId).onlineMembers(groupId)) ?? members;
	} catch (e) {
		logError("online members unknown; notifying every member", e, { groupId });
		return members;
	}
}

/** After users joined: the Conversation's copy, then `group.member_joined` to every member. */
export async function announceJoined(
	env: Bindings,
	groupId: string,
	userIds: string[],
	inviterUserId: string,
	t: number,
) {
	await syncGroupConversation(env, groupId);
	const joined = { groupId, userIds, inviterUserId, memberCount: await memberCount(env, groupId), joinedAt: t };
	// The new members too: online ones are not in the group's presence until their hub hears of the group.
	await notifyGroup(env, groupId, "group.member_joined", joined, userIds);
	await emitWebhookEvent(env, "group.member_joined", joined);
}

/**
 * A new group owned by `owner`, with `memberIds` as members; its limit is the runtime setting
 * `group.max_members` at creation time.
 */
export async function createGroup(
	env: Bindings,
	owner: string,
	body: z.output<typeof CreateGroupRequest>,
): Promise<GroupOut> {
	await enforceRateLimit(env, owner, "groupCreate");
	const members = [...new Set(body.memberIds)].filter((id) => id !== owner);
	const maxMembers = await getConfigValue(env, "group.max_members");
	if (members.length + 1 > maxMembers) throw limitReached();
	if (members.length) await requireUsersExist(env, members, "memberIds");
	const id = crypto.randomUUID();
	const t = now();
	const { name, avatar, joinVerify, allowMemberInvite } = body;
	await insertGroup(env, { id, name, avatar, ownerId: owner, maxMembers, joinVerify, allowMemberInvite }, members, t);
	await announceJoined(env, id, members, owner, t);
	return groupOut(await requireGroup(env, id), "owner");
}

/** The group as `viewer` sees it (myRole "" for a non-member). */
export async function groupFor(env: Bindings, groupId: string, viewer: string): Promise<GroupOut> {
	const group = await requireGroup(env, groupId);
	return groupOut(group, await memberRole(env, groupId, viewer));
}

/** The info fields an update may change, in the order `group.info_updated` lists them. */
const INFO_FIELDS = ["name", "avatar", "announcement", "joinVerify", "allowMemberInvite"] as const;

/** Owner/admin changes the present info fields; members get `group.info_updated` when any changed. */
export async function updateGroup(
	env: Bindings,
	groupId: string,
	me: string,
	body: z.output<typeof UpdateGroupRequest>,
): Promise<GroupOut> {
	const { role } = await asAdmin(env, groupId, me);
	const fields = INFO_FIELDS.filter((k) => body[k] !== undefined);
	if (fields.length) {
		const t = now();
		await updateGroupInfo(env, groupId, Object.fromEntries(fields.map((k) => [k, body[k]])) as GroupInfo, t);
		const g = await requireGroup(env, groupId);
		await notifyGroup(env, groupId, "group.info_updated", {
			groupId,
			operatorUserId: me,
			updatedFields: fields,
			name: g.name,
			avatar: g.avatar,
			announcement: g.announcement,
			joinVerify: g.joinVerify,
			allowMemberInvite: g.allowMemberInvite,
			updatedAt: t,
		});
	}
	return groupOut(await requireGroup(env, groupId), role);
}

type ListItem = z.infer<typeof GroupListItem>;

/**
 * The user's groups. `since` ≤ 0: the groups the user is in now. `since` > 0: every group whose
 * membership row or (while a member) group row changed at or after `since` (boundary second
 * included, as for friends); groups the user left or that were dissolved come back with `isDeleted: true`.
 */
export async function listGroupsFor(env: Bindings, userId: string, since: number): Promise<ListItem[]> {
	const rows = await groupsOfUser(env, userId, since);
	return rows.map((r) => {
		const isDeleted = r.leftAt !== null || r.group.status !== 1;
		return { ...groupOut(r.group, isDeleted ? "" : (r.role as Role)), isDeleted };
	});
}

/** For `POST /sync`: the user's groups changed at or after `since`, left or dissolved ones flagged `isDeleted`. */
export const groupsChangedSince = (env: Bindings, userId: string, since: number) =>
	listGroupsFor(env, userId, Math.max(since, 0));

/** Marks the group dissolved, tells everyone who was a member and empties its conversation. */
export async function dissolveGroup(env: Bindings, group: Pick<GroupRow, "id" | "name">, operator: string) {
	const members = await memberIds(env, group.id);
	const t = now();
	await markDissolved(env, group.id, t);
	await syncGroupConversation(env, group.id);
	await notify(env, members, "group.disbanded", {
		groupId: group.id,
		groupName: group.name,
		operatorUserId: operator,
		disbandedAt: t,
	});
}
