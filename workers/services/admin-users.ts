import { type AdminUserView, adminUsersPage, adminUserView, setUserStatus } from "../../db/admin";
import type { PageParams } from "../../db/paging";
import type { Bindings } from "../../domain/env";
import { now } from "../../domain/time";
import { notify } from "../../platform/notify";
import { Codes, notFound } from "../lib/errors";
import { pageOut } from "../lib/paging";
import type { Actor } from "./admin-auth";
import { audit } from "./audit";
import { dissolveGroup, requireGroup } from "./groups";
import { endSessions } from "./sessions-auth";

/** What the back office does to users and groups: look them up, ban and unban, dissolve. */

const userOut = (u: AdminUserView) => ({
	userId: u.id,
	nickname: u.nickname,
	avatar: u.avatar,
	signature: u.signature,
	phone: u.phone ?? "",
	email: u.email ?? "",
	gender: u.gender,
	region: u.region,
	status: u.status,
	createdAt: u.createdAt,
});

async function existingUser(env: Bindings, userId: string): Promise<AdminUserView> {
	const u = await adminUserView(env, userId);
	if (!u) throw notFound("user not found", Codes.UserNotFound);
	return u;
}

/** Users matching the keyword (nickname, email, phone or ID) and status, newest first, as a wire page. */
export async function searchUsers(env: Bindings, q: PageParams & { keyword?: string; status?: "1" | "2" }) {
	const p = { page: q.page, pageSize: q.pageSize };
	const { rows, total } = await adminUsersPage(env, { keyword: q.keyword, status: Number(q.status ?? 0) }, p);
	return pageOut(rows.map(userOut), total, p);
}

export const userAccount = async (env: Bindings, userId: string) => userOut(await existingUser(env, userId));

/**
 * Bans a user: status 2, then their devices hear of it, every session ends and the live
 * sockets close; login is refused until unban.
 */
export async function banUser(env: Bindings, actor: Actor, userId: string, reason: string): Promise<void> {
	await existingUser(env, userId);
	const t = now();
	await setUserStatus(env, userId, 2, t);
	await notify(env, [userId], "admin.user_banned", { userId, reason, bannedAt: t });
	await endSessions(env, userId, {}, "banned");
	await audit(env, actor, { action: "user.ban", resourceType: "user", resourceId: userId, details: { reason } });
}

export async function unbanUser(env: Bindings, actor: Actor, userId: string): Promise<void> {
	await existingUser(env, userId);
	await setUserStatus(env, userId, 1, now());
	await audit(env, actor, { action: "user.unban", resourceType: "user", resourceId: userId });
}

/** An active group as the back office sees it (a dissolved one is 404). */
export async function groupAccount(env: Bindings, groupId: string) {
	const g = await requireGroup(env, groupId);
	return {
		groupId: g.id,
		name: g.name,
		avatar: g.avatar,
		announcement: g.announcement,
		ownerId: g.ownerId,
		memberCount: g.memberCount,
		maxMembers: g.maxMembers,
		joinVerify: g.joinVerify,
		isMuted: g.isMuted,
		status: g.status,
		createdAt: g.createdAt,
		updatedAt: g.updatedAt,
	};
}

/** Dissolves a group as its owner would: the members hear of it, the conversation closes. */
export async function dissolveGroupAsAdmin(env: Bindings, actor: Actor, groupId: string): Promise<void> {
	const g = await requireGroup(env, groupId);
	// An admin is not a user: operatorUserId stays empty for a dissolution by the back office.
	await dissolveGroup(env, g, "");
	await audit(env, actor, {
		action: "group.dissolve",
		resourceType: "group",
		resourceId: g.id,
		details: { name: g.name },
	});
}
