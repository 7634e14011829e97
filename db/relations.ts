import { and, count, eq, isNull, or, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Bindings } from "../domain/env";
import { blacklist, friendships } from "../schema";
import { type Db, dbOf } from "./client";

/** Friend-side business codes of the shared private-chat check. */
export const RelationCodes = { UserBlocked: 30114, NotFriend: 30117 } as const;

export interface PrivateChatStatus {
	/** 0 when the two may chat; otherwise 30114 (a block exists either way) or 30117 (not friends). */
	code: 0 | 30114 | 30117;
}

type Side = string | SQLiteColumn;

/** `(x = a AND y = b) OR (x = b AND y = a)`: a pair of users in either direction (values or another row's columns). */
export const eitherWay = (x: SQLiteColumn, y: SQLiteColumn, a: Side, b: Side): SQL =>
	or(and(eq(x, a), eq(y, b)), and(eq(x, b), eq(y, a)))!;

/** A block between `a` and `b`, whoever blocks whom. */
export const blockBetween = (a: Side, b: Side) => eitherWay(blacklist.userId, blacklist.blockedUserId, a, b);

// The two relation queries, each written once: callers run one alone or batch both.
const blockCount = (db: Db, a: string, b: string) =>
	db.select({ n: count() }).from(blacklist).where(blockBetween(a, b));

/** Active friendship rows between the two: 2 means friends (each side keeps its own row). */
const friendshipCount = (db: Db, a: string, b: string) =>
	db
		.select({ n: count() })
		.from(friendships)
		.where(and(isNull(friendships.deletedAt), eitherWay(friendships.userId, friendships.friendId, a, b)));

const n = (rows: { n: number }[]) => rows[0]?.n ?? 0;

/**
 * The one check that says whether two users may exchange private messages (and calls):
 * friends, and neither blocks the other. Everything that needs it calls this.
 */
export async function privateChatStatus(env: Bindings, a: string, b: string): Promise<PrivateChatStatus> {
	const db = dbOf(env);
	const [blocked, friends] = await db.batch([blockCount(db, a, b), friendshipCount(db, a, b)]);
	if (n(blocked) > 0) return { code: RelationCodes.UserBlocked };
	if (n(friends) < 2) return { code: RelationCodes.NotFriend };
	return { code: 0 };
}

/** The block half of `privateChatStatus`: whether either user blocks the other (requests and calls refuse with 30114). */
export async function blockedEitherWay(env: Bindings, a: string, b: string): Promise<boolean> {
	return n(await blockCount(dbOf(env), a, b)) > 0;
}

/** The friend half of `privateChatStatus`: both rows active. A friendship hidden by a block still counts. */
export async function areFriends(env: Bindings, a: string, b: string): Promise<boolean> {
	return n(await friendshipCount(dbOf(env), a, b)) === 2;
}

/**
 * How the viewer relates to another user. `isFriend`: an active friendship that no block hides
 * (a block either way hides it, see services/friends.ts); `isBlocked`: the viewer blocks them.
 */
export async function relationFlags(
	env: Bindings,
	viewerId: string,
	targetId: string,
): Promise<{ isFriend: boolean; isBlocked: boolean }> {
	const status = await privateChatStatus(env, viewerId, targetId);
	const blocked = await dbOf(env)
		.select({ userId: blacklist.userId })
		.from(blacklist)
		.where(and(eq(blacklist.userId, viewerId), eq(blacklist.blockedUserId, targetId)))
		.get();
	return { isFriend: status.code === 0, isBlocked: blocked !== undefined };
}
