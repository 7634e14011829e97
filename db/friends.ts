import { and, desc, eq, exists, gte, isNull, not, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Bindings } from "../domain/env";
import { blacklist, friendRequests, friendships, userSettings, users } from "../schema";
import { type Db, dbOf } from "./client";
import { countOf, fetchPage, type PageParams } from "./paging";
import { blockBetween, eitherWay } from "./relations";

/**
 * The friends aggregate's queries: friendships (one row per direction, tombstoned by `deletedAt`),
 * friend requests and the blacklist. The pairwise checks (blocked? friends?) are in ./relations.
 */

export type FriendRequestRow = typeof friendRequests.$inferSelect;

/** A block between a friendship row's two users, either way: it hides the friendship from both. */
const hiddenByBlock = (db: Db) =>
	exists(
		db
			.select({ userId: blacklist.userId })
			.from(blacklist)
			.where(blockBetween(friendships.userId, friendships.friendId)),
	);

/** The rows of friends `userId` sees now: active and not hidden by a block. */
const visibleFriendsOf = (db: Db, userId: string) =>
	and(eq(friendships.userId, userId), isNull(friendships.deletedAt), not(hiddenByBlock(db)));

/**
 * The user's friend rows with the friend's card. `since` ≤ 0: the visible ones; `since` > 0: every
 * row changed at or after `since`, `hidden` telling which a block hides. Newest change first; all of
 * them, or one page and the total.
 */
export async function friendRows(env: Bindings, userId: string, since: number, page?: PageParams) {
	const db = dbOf(env);
	const where = () =>
		since > 0 ? and(eq(friendships.userId, userId), gte(friendships.updatedAt, since)) : visibleFriendsOf(db, userId);
	const rows = db
		.select({
			friendId: friendships.friendId,
			remark: friendships.remark,
			createdAt: friendships.createdAt,
			updatedAt: friendships.updatedAt,
			deletedAt: friendships.deletedAt,
			hidden: hiddenByBlock(db).mapWith(Boolean),
			nickname: users.nickname,
			avatar: users.avatar,
		})
		.from(friendships)
		.leftJoin(users, eq(users.id, friendships.friendId))
		.where(where())
		.orderBy(desc(friendships.updatedAt), friendships.friendId);
	const total = countOf(db, friendships, where());
	if (page) return fetchPage(db, rows, total, page);
	const [counted, list] = await db.batch([total, rows]);
	return { rows: list, total: Number(counted[0]?.n ?? 0) };
}

/** The users who see `userId` as a friend right now (active, not hidden by a block). */
export async function visibleFriendIds(env: Bindings, userId: string): Promise<string[]> {
	const db = dbOf(env);
	const rows = await db
		.select({ friendId: friendships.friendId })
		.from(friendships)
		.where(visibleFriendsOf(db, userId));
	return rows.map((r) => r.friendId);
}

/** Makes `a` and `b` friends: new rows, or reactivated tombstones (remarks kept). */
const befriend = (db: Db, a: string, b: string, t: number) =>
	db
		.insert(friendships)
		.values([
			{ userId: a, friendId: b, remark: "", createdAt: t, updatedAt: t, deletedAt: null },
			{ userId: b, friendId: a, remark: "", createdAt: t, updatedAt: t, deletedAt: null },
		])
		.onConflictDoUpdate({
			target: [friendships.userId, friendships.friendId],
			set: { deletedAt: null, createdAt: t, updatedAt: t },
		});

/** Moves both rows' `updatedAt`, so incremental lists report a visibility change (block/unblock). */
const touchFriendship = (db: Db, a: string, b: string, t: number) =>
	db
		.update(friendships)
		.set({ updatedAt: t })
		.where(eitherWay(friendships.userId, friendships.friendId, a, b));

/** Whether a friend request can reach `userId` (account `status`) and whether it needs their approval. */
export async function friendRequestTarget(
	env: Bindings,
	userId: string,
): Promise<{ status: number; verify: boolean } | undefined> {
	const row = await dbOf(env)
		.select({ status: users.status, verify: userSettings.friendVerifyRequired })
		.from(users)
		.leftJoin(userSettings, eq(userSettings.userId, users.id))
		.where(eq(users.id, userId))
		.get();
	// No settings row: the default, verification required.
	return row && { status: row.status, verify: row.verify ?? true };
}

/** Whether a request between the two is pending, in either direction. */
export async function pendingRequestBetween(env: Bindings, a: string, b: string): Promise<boolean> {
	const row = await dbOf(env)
		.select({ id: friendRequests.id })
		.from(friendRequests)
		.where(
			and(eq(friendRequests.status, "pending"), eitherWay(friendRequests.fromUserId, friendRequests.toUserId, a, b)),
		)
		.get();
	return row !== undefined;
}

/** Records a request; an auto-accepted one makes the two friends in the same batch. Returns its ID. */
export async function insertFriendRequest(
	env: Bindings,
	req: Pick<FriendRequestRow, "fromUserId" | "toUserId" | "message" | "source">,
	autoAccepted: boolean,
	t: number,
): Promise<number> {
	const db = dbOf(env);
	const status = autoAccepted ? "accepted" : "pending";
	const insert = db
		.insert(friendRequests)
		.values({ ...req, status, createdAt: t, updatedAt: t })
		.returning({ id: friendRequests.id });
	const [inserted] = await db.batch([insert, ...(autoAccepted ? [befriend(db, req.fromUserId, req.toUserId, t)] : [])]);
	return inserted[0]!.id;
}

export const getFriendRequest = (env: Bindings, id: number) =>
	dbOf(env).select().from(friendRequests).where(eq(friendRequests.id, id)).get();

/**
 * Marks a pending request accepted or rejected; accepting (re)creates the friendship in the same
 * batch. False when the request was no longer pending.
 */
export async function settleFriendRequest(
	env: Bindings,
	req: Pick<FriendRequestRow, "id" | "fromUserId" | "toUserId">,
	accept: boolean,
	t: number,
): Promise<boolean> {
	const db = dbOf(env);
	const update = db
		.update(friendRequests)
		.set({ status: accept ? "accepted" : "rejected", updatedAt: t })
		.where(and(eq(friendRequests.id, req.id), eq(friendRequests.status, "pending")))
		.returning({ id: friendRequests.id });
	// The friendship rows are written only if the request is accepted once the update has run: a
	// concurrent reject that won leaves it rejected, and then this batch makes no friends.
	const accepted = and(eq(friendRequests.id, req.id), eq(friendRequests.status, "accepted"));
	const [updated] = await db.batch([
		update,
		...(accept
			? [
					befriendIf(db, req.fromUserId, req.toUserId, t, accepted),
					befriendIf(db, req.toUserId, req.fromUserId, t, accepted),
				]
			: []),
	]);
	return updated.length > 0;
}

/** One friendship row (a → b), (re)created only while `condition` holds of the request row. */
const befriendIf = (db: Db, a: string, b: string, t: number, condition: SQL | undefined) =>
	db
		.insert(friendships)
		.select((qb) =>
			qb
				// INSERT … SELECT: the row's values are bound constants (a select takes columns or aliased SQL only).
				.select({
					userId: sql<string>`${a}`.as("user_id"),
					friendId: sql<string>`${b}`.as("friend_id"),
					remark: sql<string>`''`.as("remark"),
					createdAt: sql<number>`${t}`.as("created_at"),
					updatedAt: sql<number>`${t}`.as("updated_at"),
					deletedAt: sql<null>`NULL`.as("deleted_at"),
				})
				.from(friendRequests)
				.where(condition),
		)
		.onConflictDoUpdate({
			target: [friendships.userId, friendships.friendId],
			set: { deletedAt: null, createdAt: t, updatedAt: t },
		});

/** Requests the user received (`to`) or sent (`from`), every status, newest first. */
export function friendRequestPage(env: Bindings, userId: string, side: "from" | "to", p: PageParams) {
	const db = dbOf(env);
	const where = eq(side === "from" ? friendRequests.fromUserId : friendRequests.toUserId, userId);
	const rows = db
		.select()
		.from(friendRequests)
		.where(where)
		.orderBy(desc(friendRequests.createdAt), desc(friendRequests.id));
	return fetchPage(db, rows, countOf(db, friendRequests, where), p);
}

/** The users `userId` blocks, newest first. */
export function blacklistPage(env: Bindings, userId: string, p: PageParams) {
	const db = dbOf(env);
	const where = eq(blacklist.userId, userId);
	const rows = db
		.select({ blockedUserId: blacklist.blockedUserId, createdAt: blacklist.createdAt })
		.from(blacklist)
		.where(where)
		.orderBy(desc(blacklist.createdAt), blacklist.blockedUserId);
	return fetchPage(db, rows, countOf(db, blacklist, where), p);
}

/** Runs a blacklist change with the friendship touch in one batch; true when the change hit a row. */
async function withTouch(db: Db, change: BatchItem<"sqlite">, a: string, b: string, t: number) {
	const [changed] = (await db.batch([change, touchFriendship(db, a, b, t)])) as [unknown[], unknown];
	return changed.length > 0;
}

/** `userId` blocks `target`; false when already blocked. Either way both friendship rows are touched. */
export function insertBlock(env: Bindings, userId: string, target: string, t: number): Promise<boolean> {
	const db = dbOf(env);
	const insert = db
		.insert(blacklist)
		.values({ userId, blockedUserId: target, createdAt: t })
		.onConflictDoNothing()
		.returning({ userId: blacklist.userId });
	return withTouch(db, insert, userId, target, t);
}

/** `userId` unblocks `target`; false when not blocked. Either way both friendship rows are touched. */
export function deleteBlock(env: Bindings, userId: string, target: string, t: number): Promise<boolean> {
	const db = dbOf(env);
	const remove = db
		.delete(blacklist)
		.where(and(eq(blacklist.userId, userId), eq(blacklist.blockedUserId, target)))
		.returning({ userId: blacklist.userId });
	return withTouch(db, remove, userId, target, t);
}

/** Tombstones both rows of an active friendship; false when the two were not friends. */
export async function tombstoneFriendship(env: Bindings, a: string, b: string, t: number): Promise<boolean> {
	const rows = await dbOf(env)
		.update(friendships)
		.set({ deletedAt: t, updatedAt: t })
		.where(and(isNull(friendships.deletedAt), eitherWay(friendships.userId, friendships.friendId, a, b)))
		.returning({ userId: friendships.userId });
	return rows.length > 0;
}

/** Sets `userId`'s remark for an active friend; false when not friends. */
export async function updateRemark(
	env: Bindings,
	userId: string,
	friendId: string,
	remark: string,
	t: number,
): Promise<boolean> {
	const rows = await dbOf(env)
		.update(friendships)
		.set({ remark, updatedAt: t })
		.where(and(eq(friendships.userId, userId), eq(friendships.friendId, friendId), isNull(friendships.deletedAt)))
		.returning({ userId: friendships.userId });
	return rows.length > 0;
}
