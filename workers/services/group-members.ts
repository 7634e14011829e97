import type { z } from "zod";
import type { GroupMember, MemberList } from "../../contracts/groups";
import type { NotificationData } from "../../contracts/notifications";
import {
	addMembers,
	endMembership,
	memberCount,
	memberIds,
	memberPage,
	memberRole,
	type Role,
	setGroupMuted,
	transferOwnership,
	updateMember,
} from "../../db/groups";
import type { PageParams } from "../../db/paging";
import type { Bindings } from "../../domain/env";
import { now } from "../../domain/time";
import { Codes, forbidden } from "../lib/errors";
import { syncGroupConversation } from "./conversation-sync";
import { inviteToVerifiedGroup } from "./group-requests";
import {
	announceJoined,
	asAdmin,
	asMember,
	asOwner,
	dissolveGroup,
	limitReached,
	notifyGroup,
	requireUsersExist,
} from "./groups";

/** The current members with their cards, by join time (members only). */
export async function listMembers(
	env: Bindings,
	groupId: string,
	me: string,
	p: PageParams,
): Promise<z.infer<typeof MemberList>> {
	await asMember(env, groupId, me);
	const { rows, total } = await memberPage(env, groupId, p);
	const members: z.infer<typeof GroupMember>[] = rows.map((m) => ({
		userId: m.userId,
		groupNickname: m.groupNickname,
		role: m.role as Role,
		isMuted: m.isMuted,
		joinedAt: m.joinedAt,
		userInfo: { userId: m.userId, nickname: m.nickname ?? "", avatar: m.avatar ?? "" },
	}));
	return { members, total, page: p.page };
}

/**
 * Invites users: members only while allowMemberInvite (owner/admins always); users already in
 * are skipped. A joinVerify group gets a pending invitation per user; any other group takes the
 * users at once, within its member limit.
 */
export async function inviteMembers(
	env: Bindings,
	groupId: string,
	me: string,
	userIds: string[],
): Promise<{ added: string[]; pending: string[] }> {
	const { group, role } = await asMember(env, groupId, me);
	if (role === "member" && !group.allowMemberInvite)
		throw forbidden("members may not invite in this group", Codes.NoAdminPermission);
	const wanted = [...new Set(userIds)].filter((uid) => uid !== me);
	if (wanted.length) await requireUsersExist(env, wanted, "userIds");
	const current = new Set(await memberIds(env, groupId));
	const invitees = wanted.filter((uid) => !current.has(uid));
	if (!invitees.length) return { added: [], pending: [] };
	const t = now();

	if (group.joinVerify) return { added: [], pending: await inviteToVerifiedGroup(env, group, me, invitees, t) };

	if (current.size + invitees.length > group.maxMembers) throw limitReached();
	const added = await addMembers(env, groupId, invitees, t, group.maxMembers);
	if (added.length) await announceJoined(env, groupId, added, me, t);
	return { added, pending: [] };
}

/** Checks an owner/admin may act on `target` (not the owner; an admin not on another admin); returns the target's role. */
async function moderatable(env: Bindings, groupId: string, me: string, target: string, verb: "removed" | "muted") {
	const { role } = await asAdmin(env, groupId, me);
	const targetRole = await memberRole(env, groupId, target);
	if (!targetRole) throw forbidden("that user is not a member of this group", Codes.NotGroupMember);
	if (targetRole === "owner") throw forbidden(`the group owner cannot be ${verb}`, Codes.CannotRemoveOwner);
	if (role === "admin" && targetRole === "admin")
		throw forbidden(`an admin cannot ${verb === "removed" ? "remove" : "mute"} another admin`, Codes.CannotRemoveAdmin);
}

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
	await endMembership(env, groupId, userId, t);
	await syncGroupConversation(env, groupId);
	await notifyGroup(
		env,
		groupId,
		"group.member_left",
		{ groupId, userId, operatorUserId, reason, memberCount: await memberCount(env, groupId), leftAt: t },
		[userId],
	);
}

export async function removeMember(env: Bindings, groupId: string, me: string, userId: string): Promise<void> {
	await moderatable(env, groupId, me, userId, "removed");
	await leaveGroup(env, groupId, userId, me, "removed_by_admin");
}

/** The owner makes a member an admin or back; members are told when the role changes. */
export async function setMemberRole(
	env: Bindings,
	groupId: string,
	me: string,
	userId: string,
	role: "admin" | "member",
): Promise<void> {
	await asOwner(env, groupId, me);
	const old = await memberRole(env, groupId, userId);
	if (!old) throw forbidden("that user is not a member of this group", Codes.NotGroupMember);
	if (old === "owner") throw forbidden("the owner's role changes only by transfer", Codes.NoOwnerPermission);
	if (old === role) return;
	const t = now();
	await updateMember(env, groupId, userId, { role }, t);
	await syncGroupConversation(env, groupId);
	await notifyGroup(env, groupId, "group.role_changed", {
		groupId,
		userId,
		oldRole: old,
		newRole: role,
		operatorUserId: me,
		changedAt: t,
	});
}

/** Mutes or unmutes one member (`userId`), or the whole group (`userId` ""); members get `group.muted`. */
export async function setMuted(env: Bindings, groupId: string, me: string, userId: string, muted: boolean) {
	if (userId) await moderatable(env, groupId, me, userId, "muted");
	else await asAdmin(env, groupId, me);
	const t = now();
	if (userId) await updateMember(env, groupId, userId, { isMuted: muted }, t);
	else await setGroupMuted(env, groupId, muted, t);
	await syncGroupConversation(env, groupId);
	await notifyGroup(env, groupId, "group.muted", { groupId, userId, isMuted: muted, operatorUserId: me, mutedAt: t });
}

export async function setGroupNickname(env: Bindings, groupId: string, me: string, nickname: string): Promise<void> {
	await asMember(env, groupId, me);
	await updateMember(env, groupId, me, { groupNickname: nickname.trim() }, now());
}

/** Leaves the group; an owner may only leave as its last member, which dissolves it. */
export async function quitGroup(env: Bindings, groupId: string, me: string): Promise<void> {
	const { group, role } = await asMember(env, groupId, me);
	if (role !== "owner") return leaveGroup(env, groupId, me, me, "self_quit");
	if (group.memberCount > 1)
		throw forbidden("the owner must transfer ownership or dissolve the group first", Codes.CannotQuitOwnGroup);
	await dissolveGroup(env, group, me);
}

/** The owner hands ownership to another member and becomes an admin; members get `group.role_changed` for both. */
export async function handOver(env: Bindings, groupId: string, me: string, newOwnerId: string): Promise<void> {
	await asOwner(env, groupId, me);
	if (newOwnerId === me) return;
	const old = await memberRole(env, groupId, newOwnerId);
	if (!old) throw forbidden("the new owner is not a member of this group", Codes.NotGroupMember);
	const t = now();
	await transferOwnership(env, groupId, me, newOwnerId, t);
	await syncGroupConversation(env, groupId);
	const change = { groupId, operatorUserId: me, changedAt: t };
	await notifyGroup(env, groupId, "group.role_changed", {
		...change,
		userId: newOwnerId,
		oldRole: old,
		newRole: "owner",
	});
	await notifyGroup(env, groupId, "group.role_changed", { ...change, userId: me, oldRole: "owner", newRole: "admin" });
}
