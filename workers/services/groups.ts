import type { z } from "zod";
import type { Group, GroupListItem } from "../../contracts/groups";
import type { NotificationData, NotificationType } from "../../contracts/notifications";
import type { Bindings } from "../../domain/env";
import { now } from "../../domain/time";
import { notify } from "../../platform/notify";
import { Codes, forbidden, notFound } from "../lib/errors";
import { syncGroupConversation } from "./conversation-sync";

export type Role = "owner" | "admin" | "member";
type GroupOut = z.infer<typeof Group>;

export interface GroupRow {
	id: string;
	name: string;
	avatar: string;
	announcement: string;
	owner_id: string;
	member_count: number;
	max_members: number;
	join_verify: number;
	allow_member_invite: number;
	is_muted: number;
	status: number;
	created_at: number;
	updated_at: number;
}

export const groupOut = (g: GroupRow, myRole: Role | "" | null): GroupOut => ({
	groupId: g.id,
	name: g.name,
	avatar: g.avatar,
	announcement: g.announcement,
	ownerId: g.owner_id,
	memberCount: g.member_count,
	maxMembers: g.max_members,
	myRole: myRole ?? "",
	joinVerify: g.join_verify === 1,
	allowMemberInvite: g.allow_member_invite === 1,
	isMuted: g.is_muted === 1,
	createdAt: g.created_at,
	updatedAt: g.updated_at,
});

/** An active group, or 404 40101 (a dissolved group is not found for every lookup). */
export async function loadGroup(env: Bindings, groupId: string): Promise<GroupRow> {
	const g = await env.DB.prepare("SELECT * FROM groups WHERE id = ? AND status = 1").bind(groupId).first<GroupRow>();
	if (!g) throw notFound("group not found", Codes.GroupNotFound);
	return g;
}

export async function memberRole(env: Bindings, groupId: string, userId: string): Promise<Role | null> {
	const row = await env.DB.prepare(
		"SELECT role FROM group_members WHERE group_id = ? AND user_id = ? AND left_at IS NULL",
	)
		.bind(groupId, userId)
		.first<{ role: Role }>();
	return row?.role ?? null;
}

/** The group and the caller's role; 404 40101 for a missing group, 403 40105 for a non-member. */
export async function asMember(env: Bindings, groupId: string, userId: string) {
	const group = await loadGroup(env, groupId);
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

export async function currentMemberIds(env: Bindings, groupId: string, roles?: Role[]): Promise<string[]> {
	const roleFilter = roles ? ` AND role IN (${roles.map(() => "?").join(",")})` : "";
	const rows = await env.DB.prepare(
		`SELECT user_id FROM group_members WHERE group_id = ? AND left_at IS NULL${roleFilter}`,
	)
		.bind(groupId, ...(roles ?? []))
		.all<{ user_id: string }>();
	return rows.results.map((r) => r.user_id);
}

/** Sends a group event to every current member, plus `extra` users (someone who just left). */
export async function notifyGroup<T extends NotificationType>(
	env: Bindings,
	groupId: string,
	type: T,
	data: NotificationData<T>,
	extra: string[] = [],
): Promise<void> {
	const members = await currentMemberIds(env, groupId);
	await notify(env, [...members, ...extra], type, data);
}

/**
 * Adds one member, or brings a former member back (a fresh row state). The insert only happens
 * while the group is below `maxMembers`, so concurrent joins cannot push it over the limit;
 * `RETURNING user_id` yields a row only for users actually added.
 */
export const addMemberStatement = (
	env: Bindings,
	groupId: string,
	userId: string,
	role: Role,
	t: number,
	maxMembers: number,
) =>
	env.DB.prepare(
		`INSERT INTO group_members (group_id, user_id, role, group_nickname, is_muted, joined_at, updated_at, left_at)
		 SELECT ?, ?, ?, '', 0, ?, ?, NULL
		  WHERE (SELECT COUNT(*) FROM group_members WHERE group_id = ? AND left_at IS NULL) < ?
		 ON CONFLICT(group_id, user_id) DO UPDATE SET role = excluded.role, group_nickname = '', is_muted = 0,
		   joined_at = excluded.joined_at, updated_at = excluded.updated_at, left_at = NULL
		  WHERE group_members.left_at IS NOT NULL
		 RETURNING user_id`,
	).bind(groupId, userId, role, t, t, groupId, maxMembers);

/** Keeps the denormalised counter equal to the member rows, and moves the group's `updatedAt`. */
export const recountStatement = (env: Bindings, groupId: string, t: number) =>
	env.DB.prepare(
		`UPDATE groups SET member_count = (SELECT COUNT(*) FROM group_members WHERE group_id = ? AND left_at IS NULL),
		   updated_at = ? WHERE id = ?`,
	).bind(groupId, t, groupId);

export const leaveStatement = (env: Bindings, groupId: string, userId: string, t: number) =>
	env.DB.prepare(
		"UPDATE group_members SET left_at = ?, updated_at = ? WHERE group_id = ? AND user_id = ? AND left_at IS NULL",
	).bind(t, t, groupId, userId);

export async function memberCount(env: Bindings, groupId: string): Promise<number> {
	const row = await env.DB.prepare("SELECT member_count FROM groups WHERE id = ?")
		.bind(groupId)
		.first<{ member_count: number }>();
	return row?.member_count ?? 0;
}

type ListItem = z.infer<typeof GroupListItem>;

/**
 * The user's groups. `since` ≤ 0: the groups the user is in now. `since` > 0: every group whose
 * membership row or (while a member) group row changed at or after `since` (boundary second
 * included, as for friends); groups the user left or that were dissolved come back with `isDeleted: true`.
 */
export async function listGroupsFor(env: Bindings, userId: string, since: number): Promise<ListItem[]> {
	const where =
		since > 0
			? "m.user_id = ? AND (m.updated_at >= ? OR (m.left_at IS NULL AND g.updated_at >= ?))"
			: "m.user_id = ? AND m.left_at IS NULL AND g.status = 1";
	const args = since > 0 ? [userId, since, since] : [userId];
	const rows = await env.DB.prepare(
		`SELECT g.*, m.role AS my_role, m.left_at AS my_left_at FROM group_members m JOIN groups g ON g.id = m.group_id
		  WHERE ${where} ORDER BY m.joined_at DESC, g.id`,
	)
		.bind(...args)
		.all<GroupRow & { my_role: Role; my_left_at: number | null }>();
	return rows.results.map((r) => {
		const isDeleted = r.my_left_at !== null || r.status !== 1;
		return { ...groupOut(r, isDeleted ? "" : r.my_role), isDeleted };
	});
}

/** For `POST /sync`: the user's groups changed at or after `since`, left or dissolved ones flagged `isDeleted`. */
export const groupsChangedSince = (env: Bindings, userId: string, since: number) =>
	listGroupsFor(env, userId, Math.max(since, 0));

/**
 * Ends one membership (removed by an owner/admin, or quit): D1 first, then the Conversation copy,
 * then `group.member_left` to the remaining members and the one who left.
 */
export async function leaveGroup(
	env: Bindings,
	groupId: string,
	userId: string,
	operatorUserId: string,
	reason: NotificationData<"group.member_left">["reason"],
): Promise<void> {
	const t = now();
	await env.DB.batch([leaveStatement(env, groupId, userId, t), recountStatement(env, groupId, t)]);
	await syncGroupConversation(env, groupId);
	await notifyGroup(
		env,
		groupId,
		"group.member_left",
		{ groupId, userId, operatorUserId, reason, memberCount: await memberCount(env, groupId), leftAt: t },
		[userId],
	);
}

/** Marks the group dissolved, tells everyone who was a member and empties its conversation. */
export async function dissolveGroup(env: Bindings, group: GroupRow, operator: string) {
	const members = await currentMemberIds(env, group.id);
	const t = now();
	await env.DB.prepare("UPDATE groups SET status = 0, updated_at = ? WHERE id = ? AND status = 1")
		.bind(t, group.id)
		.run();
	await syncGroupConversation(env, group.id);
	await notify(env, members, "group.disbanded", {
		groupId: group.id,
		groupName: group.name,
		operatorUserId: operator,
		disbandedAt: t,
	});
}
