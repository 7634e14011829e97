import { and, desc, eq, exists, getTableColumns, gt, inArray, lt, or, sql } from "drizzle-orm";
import type { CallStatus } from "../contracts/rtc";
import type { Bindings } from "../domain/env";
import { now } from "../domain/time";
import { calls, meetingParticipants, meetings } from "../schema";
import { type Db, dbOf } from "./client";
import { countOf, fetchPage, type PageParams } from "./paging";

/**
 * The calls and meetings aggregate's queries: one-to-one calls (status moves only by the
 * conditional `transitionCall`), meeting rooms and who joined them.
 */

/** A call's row; `status` and `callType` hold only the contract's values. */
export type CallRow = typeof calls.$inferSelect & { status: CallStatus; callType: "audio" | "video" };

/** A meeting's row with its participant count. */
export type MeetingRow = typeof meetings.$inferSelect & { status: "active" | "ended"; participants: number };

// ---- calls ---------------------------------------------------------------------------------

export const getCall = async (env: Bindings, callId: string) =>
	(await dbOf(env).select().from(calls).where(eq(calls.id, callId)).get()) as CallRow | undefined;

export async function insertCall(env: Bindings, call: CallRow): Promise<void> {
	await dbOf(env).insert(calls).values(call);
}

/**
 * Moves a call from one of `from` to `to` in one conditional UPDATE, so concurrent answers,
 * ends and the ring alarm cannot both win. Returns the new row, or undefined if the call was
 * no longer in `from`.
 */
export async function transitionCall(
	env: Bindings,
	callId: string,
	from: CallStatus[],
	to: CallStatus,
): Promise<CallRow | undefined> {
	const t = now();
	const change =
		to === "connected"
			? { status: to, connectedAt: t }
			: {
					status: to,
					endedAt: t,
					// The duration reads the row's own connected_at inside the same UPDATE: a SQL expression.
					duration: sql<number>`CASE WHEN ${calls.connectedAt} > 0 THEN MAX(0, ${t} - ${calls.connectedAt}) ELSE ${calls.duration} END`,
				};
	const row = await dbOf(env)
		.update(calls)
		.set(change)
		.where(and(eq(calls.id, callId), inArray(calls.status, from)))
		.returning()
		.get();
	return row as CallRow | undefined;
}

/** Whether the user is in a call connected after `since` (older ones count as abandoned). */
export async function inConnectedCall(env: Bindings, userId: string, since: number): Promise<boolean> {
	const row = await dbOf(env)
		.select({ id: calls.id })
		.from(calls)
		.where(
			and(
				eq(calls.status, "connected"),
				or(eq(calls.callerId, userId), eq(calls.calleeId, userId)),
				gt(calls.connectedAt, since),
			),
		)
		.limit(1)
		.get();
	return row !== undefined;
}

/** One page of the user's calls (as caller or callee), newest first, and their total. */
export async function callsPage(env: Bindings, userId: string, p: PageParams) {
	const db = dbOf(env);
	const where = or(eq(calls.callerId, userId), eq(calls.calleeId, userId));
	const rows = db.select().from(calls).where(where).orderBy(desc(calls.createdAt), desc(calls.id));
	return (await fetchPage(db, rows, countOf(db, calls, where), p)) as { rows: CallRow[]; total: number };
}

// ---- meetings ------------------------------------------------------------------------------

/** The user's participant row in a meeting (a value, or a column of the meeting row being matched). */
const participantRow = (db: Db, roomId: string | typeof meetings.id, userId: string) =>
	db
		.select({ userId: meetingParticipants.userId })
		.from(meetingParticipants)
		.where(and(eq(meetingParticipants.roomId, roomId), eq(meetingParticipants.userId, userId)));

const withParticipants = (db: Db) =>
	db
		.select({
			...getTableColumns(meetings),
			participants: db.$count(meetingParticipants, eq(meetingParticipants.roomId, meetings.id)),
		})
		.from(meetings);

export const getMeeting = async (env: Bindings, roomId: string) => {
	const db = dbOf(env);
	return (await withParticipants(db).where(eq(meetings.id, roomId)).get()) as MeetingRow | undefined;
};

/** A new meeting and its creator as the first participant, in one batch. */
export async function insertMeeting(env: Bindings, m: Omit<MeetingRow, "participants">): Promise<void> {
	const db = dbOf(env);
	await db.batch([
		db.insert(meetings).values(m),
		db.insert(meetingParticipants).values({ roomId: m.id, userId: m.creatorId, joinedAt: m.createdAt }),
	]);
}

/** One page of the active meetings the user created or joined, newest first, and their total. */
export async function activeMeetingsPage(env: Bindings, userId: string, p: PageParams) {
	const db = dbOf(env);
	const where = and(eq(meetings.status, "active"), exists(participantRow(db, meetings.id, userId)));
	const rows = withParticipants(db).where(where).orderBy(desc(meetings.createdAt), desc(meetings.id));
	return (await fetchPage(db, rows, countOf(db, meetings, where), p)) as { rows: MeetingRow[]; total: number };
}

/**
 * Adds the user to the meeting unless it is full (its maxParticipants reached by others; 0 is
 * unlimited). One statement, so two joiners cannot both take the last seat. False when full
 * (true too when the user was in already).
 */
export async function joinMeeting(env: Bindings, roomId: string, userId: string, t: number): Promise<boolean> {
	const db = dbOf(env);
	const seated = db.$count(meetingParticipants, eq(meetingParticipants.roomId, meetings.id));
	// The new row's user and time are constants of the SELECT that feeds the insert: SQL parameters.
	const seat = db
		.select({
			roomId: meetings.id,
			userId: sql<string>`${userId}`.as("user_id"),
			joinedAt: sql<number>`${t}`.as("joined_at"),
		})
		.from(meetings)
		.where(
			and(
				eq(meetings.id, roomId),
				or(
					eq(meetings.maxParticipants, 0),
					lt(seated, meetings.maxParticipants),
					exists(participantRow(db, meetings.id, userId)),
				),
			),
		);
	// The insert takes a seat only when one is free; the read after it says whether the user is in.
	const [, inRoom] = await db.batch([
		db.insert(meetingParticipants).select(seat).onConflictDoNothing(),
		participantRow(db, roomId, userId),
	]);
	return inRoom.length > 0;
}

/** Ends an active meeting (an ended one is left as it is). */
export async function endMeeting(env: Bindings, roomId: string, t: number): Promise<void> {
	await dbOf(env)
		.update(meetings)
		.set({ status: "ended", endedAt: t })
		.where(and(eq(meetings.id, roomId), eq(meetings.status, "active")));
}
