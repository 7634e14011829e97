import { and, count, desc, eq, exists, gte, inArray, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import type { z } from "zod";
import type { GroupRole, JoinRequestStatus } from "../contracts/groups";
import type { Bindings } from "../domain/env";
import { groupJoinRequests, groupMembers, groups, users } from "../schema";
import { type Db, dbOf } from "./client";
import { countOf, fetchPage, type PageParams } from "./paging";

/**
 * The groups aggregate's queries: groups (`status` 0 = dissolved, kept as a tombstone), members
 * (`leftAt` tombstones) and join requests/invitations. Every write that adds or ends memberships
 * recounts `memberCount` in the same batch.
 */

export type Role = z.infer<typeof GroupRole>;
export type GroupRow = typeof groups.$inferSelect;
export type JoinRequestRow = typeof groupJoinRequests.$inferSelect;
type JoinStatus = z.infer<typeof JoinRequestStatus>;

const isMember = (groupId: string, userId: string) =>
	and(eq(groupMembers.groupId, groupId), eq(groupMembers.userId, userId), isNull(groupMembers.leftAt));

const activeMembersOf = (groupId: string) => and(eq(groupMembers.groupId, groupId), isNull(groupMembers.leftAt));

/** `SELECT count(*)` of the group's current member rows, as a subquery. */
const activeCount = (db: Db, groupId: string) =>
	db.select({ n: count() }).from(groupMembers).where(activeMembersOf(groupId));

/**
 * Adds one member, or brings a former member back (a fresh row state). The row is only inserted
 * while the group is below `maxMembers`, so concurrent joins cannot push it over the limit;
 * `RETURNING` yields a row only for users actually added. The group row must exist (it may be
 * inserted earlier in the same batch).
 */
const addMember = (db: Db, groupId: string, userId: string, role: Role, t: number, maxMembers: number) =>
	db
		.insert(groupMembers)
		.select((qb) =>
			qb
				// INSERT … SELECT: the new row's values are bound constants (a select takes columns or aliased SQL only).
				.select({
					groupId: sql<string>`${groupId}`.as("group_id"),
					userId: sql<string>`${userId}`.as("user_id"),
					role: sql<string>`${role}`.as("role"),
					groupNickname: sql<string>`''`.as("group_nickname"),
					isMuted: sql<number>`0`.as("is_muted"),
					joinedAt: sql<number>`${t}`.as("joined_at"),
					updatedAt: sql<number>`${t}`.as("updated_at"),
					leftAt: sql<null>`NULL`.as("left_at"),
				})
				.from(groups)
				.where(and(eq(groups.id, groupId), lt(activeCount(db, groupId), maxMembers))),
		)
		.onConflictDoUpdate({
			target: [groupMembers.groupId, groupMembers.userId],
			set: { role, groupNickname: "", isMuted: false, joinedAt: t, updatedAt: t, leftAt: null },
			setWhere: isNotNull(groupMembers.leftAt),
		})
		.returning({ userId: groupMembers.userId });

/** Keeps the denormalised counter equal to the member rows, and moves the group's `updatedAt`. */
const recount = (db: Db, groupId: string, t: number) =>
	db
		.update(groups)
		// set() takes SQL, not a query builder: the count subquery is wrapped as SQL.
		.set({ memberCount: sql`${activeCount(db, groupId)}`, updatedAt: t })
		.where(eq(groups.id, groupId));

/** An active group (a dissolved one is not found). */
export const activeGroup = (env: Bindings, groupId: string) =>
	dbOf(env)
		.select()
		.from(groups)
		.where(and(eq(groups.id, groupId), eq(groups.status, 1)))
		.get();

export async function memberRole(env: Bindings, groupId: string, userId: string): Promise<Role | null> {
	const row = await dbOf(env)
		.select({ role: groupMembers.role })
		.from(groupMembers)
		.where(isMember(groupId, userId))
		.get();
	return (row?.role as Role | undefined) ?? null;
}

/** The group's current members, or those of the given roles. */
export async function memberIds(env: Bindings, groupId: string, roles?: Role[]): Promise<string[]> {
	const rows = await dbOf(env)
		.select({ userId: groupMembers.userId })
		.from(groupMembers)
		.where(and(activeMembersOf(groupId), roles ? inArray(groupMembers.role, roles) : undefined));
	return rows.map((r) => r.userId);
}

export async function memberCount(env: Bindings, groupId: string): Promise<number> {
	const row = await dbOf(env)
		.select({ memberCount: groups.memberCount })
		.from(groups)
		.where(eq(groups.id, groupId))
		.get();
	return row?.memberCount ?? 0;
}

/** A new group with its owner and members, in one batch (members beyond `maxMembers` are not added). */
export async function insertGroup(
	env: Bindings,
	group: Pick<GroupRow, "id" | "name" | "avatar" | "ownerId" | "maxMembers" | "joinVerify" | "allowMemberInvite">,
	memberIds: string[],
	t: number,
): Promise<void> {
	const db = dbOf(env);
	const { id, ownerId, maxMembers } = group;
	await db.batch([
		db.insert(groups).values({
			...group,
			announcement: "",
			memberCount: 0,
			isMuted: false,
			status: 1,
			createdAt: t,
			updatedAt: t,
		}),
		addMember(db, id, ownerId, "owner", t, maxMembers),
		...memberIds.map((uid) => addMember(db, id, uid, "member", t, maxMembers)),
		recount(db, id, t),
	]);
}

export type GroupInfo = Partial<
	Pick<GroupRow, "name" | "avatar" | "announcement" | "joinVerify" | "allowMemberInvite">
>;

export async function updateGroupInfo(env: Bindings, groupId: string, info: GroupInfo, t: number): Promise<void> {
	await dbOf(env)
		.update(groups)
		.set({ ...info, updatedAt: t })
		.where(eq(groups.id, groupId));
}

export async function setGroupMuted(env: Bindings, groupId: string, muted: boolean, t: number): Promise<void> {
	await dbOf(env).update(groups).set({ isMuted: muted, updatedAt: t }).where(eq(groups.id, groupId));
}

/** Marks an active group dissolved (its rows stay, as the tombstone incremental lists report). */
export async function markDissolved(env: Bindings, groupId: string, t: number): Promise<void> {
	await dbOf(env)
		.update(groups)
		.set({ status: 0, updatedAt: t })
		.where(and(eq(groups.id, groupId), eq(groups.status, 1)));
}

/** Current members with their cards, by join time. */
export function memberPage(env: Bindings, groupId: string, p: PageParams) {
	const db = dbOf(env);
	const rows = db
		.select({
			userId: groupMembers.userId,
			groupNickname: groupMembers.groupNickname,
			role: groupMembers.role,
			isMuted: groupMembers.isMuted,
			joinedAt: groupMembers.joinedAt,
			nickname: users.nickname,
			avatar: users.avatar,
		})
		.from(groupMembers)
		.leftJoin(users, eq(users.id, groupMembers.userId))
		.where(activeMembersOf(groupId))
		.orderBy(groupMembers.joinedAt, groupMembers.userId);
	return fetchPage(db, rows, countOf(db, groupMembers, activeMembersOf(groupId)), p);
}

/** Adds members (within `maxMembers`) and recounts, in one batch; returns the users actually added. */
export async function addMembers(
	env: Bindings,
	groupId: string,
	userIds: string[],
	t: number,
	maxMembers: number,
): Promise<string[]> {
	const db = dbOf(env);
	const [first, ...rest] = userIds.map((uid) => addMember(db, groupId, uid, "member", t, maxMembers));
	if (!first) return [];
	const results = await db.batch([first, ...rest, recount(db, groupId, t)]);
	return (results.slice(0, userIds.length) as { userId: string }[][]).flatMap((rows) => rows.map((r) => r.userId));
}

/** Ends one membership (tombstone) and recounts, in one batch. */
export async function endMembership(env: Bindings, groupId: string, userId: string, t: number): Promise<void> {
	const db = dbOf(env);
	await db.batch([
		db.update(groupMembers).set({ leftAt: t, updatedAt: t }).where(isMember(groupId, userId)),
		recount(db, groupId, t),
	]);
}

/** Changes a current member's row: role, mute or group nickname. */
export async function updateMember(
	env: Bindings,
	groupId: string,
	userId: string,
	change: { role?: Role; isMuted?: boolean; groupNickname?: string },
	t: number,
): Promise<void> {
	await dbOf(env)
		.update(groupMembers)
		.set({ ...change, updatedAt: t })
		.where(isMember(groupId, userId));
}

/** Hands ownership from `from` (who becomes an admin) to `to`, in one batch. */
export async function transferOwnership(env: Bindings, groupId: string, from: string, to: string, t: number) {
	const db = dbOf(env);
	const setRole = (userId: string, role: Role) =>
		db
			.update(groupMembers)
			.set({ role, updatedAt: t })
			.where(and(eq(groupMembers.groupId, groupId), eq(groupMembers.userId, userId)));
	await db.batch([
		db.update(groups).set({ ownerId: to, updatedAt: t }).where(eq(groups.id, groupId)),
		setRole(from, "admin"),
		setRole(to, "owner"),
	]);
}

/**
 * The user's groups with their membership. `since` ≤ 0: the active groups the user is in now.
 * `since` > 0: every group whose membership row, or (while a member) group row, changed at or
 * after `since`. Newest membership first.
 */
export function groupsOfUser(env: Bindings, userId: string, since: number) {
	const where =
		since > 0
			? and(
					eq(groupMembers.userId, userId),
					or(gte(groupMembers.updatedAt, since), and(isNull(groupMembers.leftAt), gte(groups.updatedAt, since))),
				)
			: and(eq(groupMembers.userId, userId), isNull(groupMembers.leftAt), eq(groups.status, 1));
	return dbOf(env)
		.select({ group: groups, role: groupMembers.role, leftAt: groupMembers.leftAt })
		.from(groupMembers)
		.innerJoin(groups, eq(groups.id, groupMembers.groupId))
		.where(where)
		.orderBy(desc(groupMembers.joinedAt), groups.id);
}

// ---- join requests and invitations ----------------------------------------------------------

/** The ID of the user's pending request (application or invitation) for the group, if any. */
export async function pendingJoinRequestId(env: Bindings, groupId: string, userId: string) {
	const row = await dbOf(env)
		.select({ id: groupJoinRequests.id })
		.from(groupJoinRequests)
		.where(
			and(
				eq(groupJoinRequests.groupId, groupId),
				eq(groupJoinRequests.userId, userId),
				eq(groupJoinRequests.status, "pending"),
			),
		)
		.get();
	return row?.id;
}

/** A pending request (`inviterId` "" for an application); returns its ID. */
export async function insertJoinRequest(
	env: Bindings,
	req: Pick<JoinRequestRow, "groupId" | "userId" | "inviterId" | "message">,
	t: number,
): Promise<number> {
	const row = await dbOf(env)
		.insert(groupJoinRequests)
		.values({ ...req, status: "pending", createdAt: t, updatedAt: t })
		.returning({ id: groupJoinRequests.id })
		.get();
	return row!.id;
}

/** The group's requests, newest first, optionally of one status. */
export const joinRequestsOf = (env: Bindings, groupId: string, status?: JoinStatus) =>
	dbOf(env)
		.select()
		.from(groupJoinRequests)
		.where(and(eq(groupJoinRequests.groupId, groupId), status ? eq(groupJoinRequests.status, status) : undefined))
		.orderBy(desc(groupJoinRequests.createdAt), desc(groupJoinRequests.id));

export const getJoinRequest = (env: Bindings, groupId: string, requestId: number) =>
	dbOf(env)
		.select()
		.from(groupJoinRequests)
		.where(and(eq(groupJoinRequests.id, requestId), eq(groupJoinRequests.groupId, groupId)))
		.get();

const pendingRequest = (requestId: number) =>
	and(eq(groupJoinRequests.id, requestId), eq(groupJoinRequests.status, "pending"));

/** Settles a pending request without adding anyone; false when it was no longer pending. */
export async function settleJoinRequest(
	env: Bindings,
	requestId: number,
	status: "accepted" | "rejected",
	t: number,
): Promise<boolean> {
	const rows = await dbOf(env)
		.update(groupJoinRequests)
		.set({ status, updatedAt: t })
		.where(pendingRequest(requestId))
		.returning({ id: groupJoinRequests.id });
	return rows.length > 0;
}

/**
 * Accepts a pending request: adds the user (within `maxMembers`), marks the request accepted only
 * if the user is now a member, and recounts, in one batch. `added`: the user was added; `settled`:
 * the request was still pending and is now accepted.
 */
export async function acceptJoinRequest(
	env: Bindings,
	req: Pick<JoinRequestRow, "id" | "groupId" | "userId">,
	t: number,
	maxMembers: number,
): Promise<{ added: boolean; settled: boolean }> {
	const db = dbOf(env);
	const nowMember = db
		.select({ userId: groupMembers.userId })
		.from(groupMembers)
		.where(isMember(req.groupId, req.userId));
	const [added, settled] = await db.batch([
		addMember(db, req.groupId, req.userId, "member", t, maxMembers),
		db
			.update(groupJoinRequests)
			.set({ status: "accepted", updatedAt: t })
			.where(and(pendingRequest(req.id), exists(nowMember)))
			.returning({ id: groupJoinRequests.id }),
		recount(db, req.groupId, t),
	]);
	return { added: added.length > 0, settled: settled.length > 0 };
}
