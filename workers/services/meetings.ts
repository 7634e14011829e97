import type { z } from "zod";
import type { CreateMeetingRequest } from "../../contracts/rtc";
import {
	activeMeetingsPage,
	endMeeting,
	getMeeting,
	insertMeeting,
	joinMeeting,
	type MeetingRow,
} from "../../db/calls";
import type { PageParams } from "../../db/paging";
import type { Bindings } from "../../domain/env";
import { now } from "../../domain/time";
import { Codes, conflict, forbidden, notFound } from "../lib/errors";
import { pageOut } from "../lib/paging";
import { hashPassword, verifyPassword } from "../lib/password";
import { livekitToken, livekitUrl } from "./livekit";

/** Meeting rooms: private to whoever has the room ID, optionally behind a password and a seat limit. */

const meetingOut = (m: MeetingRow) => ({
	roomId: m.id,
	creatorId: m.creatorId,
	title: m.title,
	roomName: m.roomName,
	hasPassword: m.passwordHash !== "",
	maxParticipants: m.maxParticipants,
	participantCount: m.participants,
	status: m.status,
	startedAt: m.createdAt,
	endedAt: m.endedAt,
	createdAt: m.createdAt,
});

async function meeting(env: Bindings, roomId: string): Promise<MeetingRow> {
	const m = await getMeeting(env, roomId);
	if (!m) throw notFound("meeting not found", Codes.MeetingNotFound);
	return m;
}

/** The room as it is now (its participant count included), with the user's LiveKit token for it. */
async function access(env: Bindings, roomId: string, token: string) {
	const m = await meeting(env, roomId);
	return { meeting: meetingOut(m), roomName: m.roomName, token, livekitUrl: livekitUrl(env) };
}

/** Opens a room; its creator is its first participant. */
export async function createMeeting(env: Bindings, me: string, body: z.infer<typeof CreateMeetingRequest>) {
	const id = crypto.randomUUID();
	const t = now();
	const room = `meeting_${id}`;
	const passwordHash = body.password ? await hashPassword(body.password) : "";
	const token = await livekitToken(env, { identity: me, room, roomAdmin: true });
	await insertMeeting(env, {
		id,
		creatorId: me,
		title: body.title,
		roomName: room,
		passwordHash,
		maxParticipants: body.maxParticipants ?? 0,
		status: "active",
		createdAt: t,
		endedAt: 0,
	});
	return access(env, id, token);
}

/** The active rooms the user created or joined, newest first, as a wire page. */
export async function listMeetings(env: Bindings, me: string, p: PageParams) {
	const { rows, total } = await activeMeetingsPage(env, me, p);
	return pageOut(rows.map(meetingOut), total, p);
}

export const meetingView = async (env: Bindings, roomId: string) => meetingOut(await meeting(env, roomId));

/** Joins a room: it must be active, the password right (its creator needs none), and a seat free. */
export async function enterMeeting(env: Bindings, me: string, roomId: string, password: string | undefined) {
	const m = await meeting(env, roomId);
	if (m.status !== "active") throw conflict("meeting has ended", Codes.MeetingAlreadyEnded);
	if (m.passwordHash && me !== m.creatorId) {
		const given = password ?? "";
		if (!given || !(await verifyPassword(given, m.passwordHash))) {
			throw forbidden("incorrect meeting password", Codes.MeetingPasswordWrong);
		}
	}
	if (!(await joinMeeting(env, m.id, me, now()))) {
		throw conflict(`meeting is full (${m.maxParticipants} participants)`);
	}
	const token = await livekitToken(env, { identity: me, room: m.roomName, roomAdmin: me === m.creatorId });
	return access(env, m.id, token);
}

/** The creator ends the room; ending an ended one changes nothing. */
export async function closeMeeting(env: Bindings, me: string, roomId: string): Promise<void> {
	const m = await meeting(env, roomId);
	if (m.creatorId !== me) throw forbidden("only the creator can end the meeting", Codes.MeetingPermission);
	if (m.status === "active") await endMeeting(env, m.id, now());
}
