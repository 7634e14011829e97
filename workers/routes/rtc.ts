import { type Context, Hono } from "hono";
import { z } from "zod";
import { IdParam } from "../../contracts/common";
import {
	CallList,
	CallSession,
	CreateMeetingRequest,
	InitiateCallRequest,
	InitiateCallResponse,
	JoinCallResponse,
	JoinMeetingRequest,
	MeetingAccess,
	MeetingList,
	MeetingRoom,
	RtcPageQuery,
} from "../../contracts/rtc";
import { type CallRow, getCall, transitionCall } from "../../db/calls";
import { blockedEitherWay } from "../../db/relations";
import { getConfigValue } from "../../db/system-config";
import { ok } from "../../domain/envelope";
import { now } from "../../domain/time";
import { notifyCallStatus } from "../../platform/call-status";
import { notify } from "../../platform/notify";
import { pushIfOffline } from "../../platform/push-jobs";
import { callTimerFor } from "../../platform/stubs";
import type { AppEnv } from "../env";
import { requireUser } from "../lib/auth";
import { badRequest, Codes, conflict, forbidden, notFound } from "../lib/errors";
import { fetchPage, pageOut } from "../lib/paging";
import { hashPassword, verifyPassword } from "../lib/password";
import { doc, validate } from "../lib/validate";
import { callOut, STALE_CONNECTED_SECONDS } from "../services/calls";
import { livekitToken, livekitUrl } from "../services/livekit";

export const rtc = new Hono<AppEnv>();

const CallIdParam = z.object({ callId: IdParam("callId") });
const RoomIdParam = z.object({ roomId: IdParam("roomId") });

const callNotFound = () => notFound("call not found", Codes.CallNotFound);

async function participantCall(c: Context<AppEnv>, callId: string): Promise<CallRow> {
	const call = await getCall(c.env, callId);
	if (!call) throw callNotFound();
	const me = c.var.auth.userId;
	if (call.caller_id !== me && call.callee_id !== me) {
		throw forbidden("not a participant of this call", Codes.CallPermissionDenied);
	}
	return call;
}

/** Answer or reject: the callee only, and only while ringing. */
async function ringingCallForCallee(c: Context<AppEnv>, callId: string): Promise<CallRow> {
	const call = await getCall(c.env, callId);
	if (!call) throw callNotFound();
	if (call.callee_id !== c.var.auth.userId) throw forbidden("not the callee of this call", Codes.CallPermissionDenied);
	if (call.status !== "ringing") throw conflict(`call is not ringing (it is ${call.status})`, Codes.CallInvalidStatus);
	return call;
}

const stillRinging = () => conflict("call is no longer ringing", Codes.CallInvalidStatus);

async function inConnectedCall(c: Context<AppEnv>, userId: string): Promise<boolean> {
	const row = await c.env.DB.prepare(
		"SELECT 1 AS busy FROM calls WHERE status = 'connected' AND (caller_id = ? OR callee_id = ?) AND connected_at > ? LIMIT 1",
	)
		.bind(userId, userId, now() - STALE_CONNECTED_SECONDS)
		.first();
	return row !== null;
}

/** Ends the ring alarm; a failure is harmless (the alarm only changes calls that still ring). */
const disarm = (c: Context<AppEnv>, callId: string) =>
	c.executionCtx.waitUntil(
		callTimerFor(c.env, callId)
			.disarm()
			.catch(() => undefined),
	);

rtc.post(
	"/calls",
	requireUser,
	doc({
		summary: "Call a user: the call rings for up to call.ring_timeout seconds (60) and then becomes missed",
		description:
			"Sends livekit.call_invite to the callee's devices (an offline push when none is connected). Calling yourself: 400. Unknown callee: 404 (10104). Either side blocks the other: 403 (30114). Callee or caller already in a connected call: 409 (90102).",
		tags: ["rtc"],
		response: InitiateCallResponse,
	}),
	validate("json", InitiateCallRequest),
	async (c) => {
		const { calleeId, callType } = c.req.valid("json");
		const me = c.var.auth.userId;
		if (calleeId === me) throw badRequest("caller and callee cannot be the same");
		const callee = await c.env.DB.prepare("SELECT id FROM users WHERE id = ?").bind(calleeId).first();
		if (!callee) throw notFound("callee not found", Codes.UserNotFound);
		if (await blockedEitherWay(c.env, me, calleeId)) {
			throw forbidden("calls between these users are blocked", Codes.UserBlocked);
		}
		if (await inConnectedCall(c, calleeId))
			throw conflict("the callee is busy in another call", Codes.CallAlreadyActive);
		if (await inConnectedCall(c, me)) throw conflict("you are already in a call", Codes.CallAlreadyActive);

		const id = crypto.randomUUID();
		const t = now();
		const call: CallRow = {
			id,
			caller_id: me,
			callee_id: calleeId,
			call_type: callType,
			status: "ringing",
			room_name: `call_${id}`,
			created_at: t,
			connected_at: 0,
			ended_at: 0,
			duration: 0,
		};
		const token = await livekitToken(c.env, { identity: me, room: call.room_name, roomAdmin: true });
		await c.env.DB.prepare(
			`INSERT INTO calls (id, caller_id, callee_id, call_type, status, room_name, created_at, connected_at, ended_at, duration)
			 VALUES (?, ?, ?, ?, 'ringing', ?, ?, 0, 0, 0)`,
		)
			.bind(id, me, calleeId, callType, call.room_name, t)
			.run();
		const timeout = await getConfigValue(c.env, "call.ring_timeout");
		await callTimerFor(c.env, id).arm(id, (t + timeout) * 1000);
		const reached = await notify(c.env, [calleeId], "livekit.call_invite", {
			callId: id,
			callerId: me,
			callType,
			roomName: call.room_name,
		});
		await pushIfOffline(c.env, reached, "livekit.call_invite", callType === "video" ? "视频通话邀请" : "语音通话邀请", {
			callId: id,
			callerId: me,
			callType,
			roomName: call.room_name,
		});
		return ok(c, { callId: id, roomName: call.room_name, token, livekitUrl: livekitUrl(c.env), call: callOut(call) });
	},
);

rtc.get(
	"/calls",
	requireUser,
	doc({ summary: "My calls (as caller or callee), newest first", tags: ["rtc"], response: CallList }),
	validate("query", RtcPageQuery),
	async (c) => {
		const q = c.req.valid("query");
		const me = c.var.auth.userId;
		const { rows, total } = await fetchPage<CallRow>(
			c.env,
			{
				select: "*",
				from: "FROM calls WHERE caller_id = ? OR callee_id = ?",
				orderBy: "created_at DESC, id DESC",
				args: [me, me],
			},
			q,
		);
		return ok(c, pageOut(rows.map(callOut), total, q));
	},
);

rtc.get(
	"/calls/:callId",
	requireUser,
	doc({ summary: "One call (participants only: 90103)", tags: ["rtc"], response: CallSession }),
	validate("param", CallIdParam),
	async (c) => ok(c, callOut(await participantCall(c, c.req.valid("param").callId))),
);

rtc.post(
	"/calls/:callId/join",
	requireUser,
	doc({
		summary: "Answer a ringing call (callee only); both sides get livekit.call_status connected",
		description: "Unknown: 404 (90101). Not the callee: 403 (90103). Not ringing: 409 (90104).",
		tags: ["rtc"],
		response: JoinCallResponse,
	}),
	validate("param", CallIdParam),
	async (c) => {
		const ringing = await ringingCallForCallee(c, c.req.valid("param").callId);
		const token = await livekitToken(c.env, {
			identity: c.var.auth.userId,
			room: ringing.room_name,
			roomAdmin: false,
		});
		const call = await transitionCall(c.env, ringing.id, ["ringing"], "connected");
		if (!call) throw stillRinging();
		disarm(c, call.id);
		await notifyCallStatus(c.env, call);
		return ok(c, {
			callId: call.id,
			roomName: call.room_name,
			token,
			livekitUrl: livekitUrl(c.env),
			call: callOut(call),
		});
	},
);

rtc.post(
	"/calls/:callId/reject",
	requireUser,
	doc({
		summary: "Decline a ringing call (callee only); the caller gets livekit.call_rejected",
		description: "Unknown: 404 (90101). Not the callee: 403 (90103). Not ringing: 409 (90104).",
		tags: ["rtc"],
	}),
	validate("param", CallIdParam),
	async (c) => {
		const ringing = await ringingCallForCallee(c, c.req.valid("param").callId);
		const call = await transitionCall(c.env, ringing.id, ["ringing"], "rejected");
		if (!call) throw stillRinging();
		disarm(c, call.id);
		await Promise.all([
			notify(c.env, [call.caller_id], "livekit.call_rejected", { callId: call.id, calleeId: call.callee_id }),
			notifyCallStatus(c.env, call),
		]);
		return ok(c, null);
	},
);

rtc.post(
	"/calls/:callId/end",
	requireUser,
	doc({
		summary: "Hang up (either side): ringing becomes cancelled, connected becomes ended; finished calls are a no-op",
		description: "Unknown: 404 (90101). Not a participant: 403 (90103).",
		tags: ["rtc"],
	}),
	validate("param", CallIdParam),
	async (c) => {
		const current = await participantCall(c, c.req.valid("param").callId);
		if (current.status !== "ringing" && current.status !== "connected") return ok(c, null);
		const call =
			(await transitionCall(c.env, current.id, ["ringing"], "cancelled")) ??
			(await transitionCall(c.env, current.id, ["connected"], "ended"));
		if (call) {
			disarm(c, call.id);
			await notifyCallStatus(c.env, call);
		}
		return ok(c, null);
	},
);

// ---- meetings --------------------------------------------------------------------------

interface MeetingRow {
	id: string;
	creator_id: string;
	title: string;
	room_name: string;
	password_hash: string;
	max_participants: number;
	status: "active" | "ended";
	created_at: number;
	ended_at: number;
	participants: number;
}

const MEETING_COLUMNS = "m.*, (SELECT COUNT(*) FROM meeting_participants p WHERE p.room_id = m.id) AS participants";
const MEETING_SELECT = `SELECT ${MEETING_COLUMNS} FROM meetings m`;

const meetingOut = (m: MeetingRow) => ({
	roomId: m.id,
	creatorId: m.creator_id,
	title: m.title,
	roomName: m.room_name,
	hasPassword: m.password_hash !== "",
	maxParticipants: m.max_participants,
	participantCount: m.participants,
	status: m.status,
	startedAt: m.created_at,
	endedAt: m.ended_at,
	createdAt: m.created_at,
});

async function getMeeting(c: Context<AppEnv>, roomId: string): Promise<MeetingRow> {
	const m = await c.env.DB.prepare(`${MEETING_SELECT} WHERE m.id = ?`).bind(roomId).first<MeetingRow>();
	if (!m) throw notFound("meeting not found", Codes.MeetingNotFound);
	return m;
}

rtc.post(
	"/meetings",
	requireUser,
	doc({
		summary: "Open a meeting room (optional password, maxParticipants 0 = unlimited); the creator joins it",
		tags: ["rtc"],
		response: MeetingAccess,
	}),
	validate("json", CreateMeetingRequest),
	async (c) => {
		const body = c.req.valid("json");
		const me = c.var.auth.userId;
		const id = crypto.randomUUID();
		const t = now();
		const room = `meeting_${id}`;
		const passwordHash = body.password ? await hashPassword(body.password) : "";
		const token = await livekitToken(c.env, { identity: me, room, roomAdmin: true });
		await c.env.DB.batch([
			c.env.DB.prepare(
				`INSERT INTO meetings (id, creator_id, title, room_name, password_hash, max_participants, status, created_at, ended_at)
				 VALUES (?, ?, ?, ?, ?, ?, 'active', ?, 0)`,
			).bind(id, me, body.title, room, passwordHash, body.maxParticipants ?? 0, t),
			c.env.DB.prepare("INSERT INTO meeting_participants (room_id, user_id, joined_at) VALUES (?, ?, ?)").bind(
				id,
				me,
				t,
			),
		]);
		const meeting = await getMeeting(c, id);
		return ok(c, { meeting: meetingOut(meeting), roomName: room, token, livekitUrl: livekitUrl(c.env) });
	},
);

rtc.get(
	"/meetings",
	requireUser,
	doc({
		summary: "Active meetings I created or joined, newest first",
		description: "Meetings are private to those who have the room ID; the list never shows other people's rooms.",
		tags: ["rtc"],
		response: MeetingList,
	}),
	validate("query", RtcPageQuery),
	async (c) => {
		const q = c.req.valid("query");
		const me = c.var.auth.userId;
		const mine = "m.status = 'active' AND m.id IN (SELECT room_id FROM meeting_participants WHERE user_id = ?)";
		const { rows, total } = await fetchPage<MeetingRow>(
			c.env,
			{
				select: MEETING_COLUMNS,
				from: `FROM meetings m WHERE ${mine}`,
				orderBy: "m.created_at DESC, m.id DESC",
				args: [me],
			},
			q,
		);
		return ok(c, pageOut(rows.map(meetingOut), total, q));
	},
);

rtc.get(
	"/meetings/:roomId",
	requireUser,
	doc({ summary: "One meeting room (anyone with its ID)", tags: ["rtc"], response: MeetingRoom }),
	validate("param", RoomIdParam),
	async (c) => ok(c, meetingOut(await getMeeting(c, c.req.valid("param").roomId))),
);

rtc.post(
	"/meetings/:roomId/join",
	requireUser,
	doc({
		summary: "Join a meeting: a LiveKit token for its room",
		description:
			"Unknown: 404 (90105). Ended: 409 (90107). Wrong or missing password: 403 (90106). Full (maxParticipants reached by others): 409.",
		tags: ["rtc"],
		response: MeetingAccess,
	}),
	validate("param", RoomIdParam),
	validate("json", JoinMeetingRequest, { optional: true }),
	async (c) => {
		const m = await getMeeting(c, c.req.valid("param").roomId);
		const me = c.var.auth.userId;
		if (m.status !== "active") throw conflict("meeting has ended", Codes.MeetingAlreadyEnded);
		if (m.password_hash && me !== m.creator_id) {
			const given = c.req.valid("json").password ?? "";
			if (!given || !(await verifyPassword(given, m.password_hash))) {
				throw forbidden("incorrect meeting password", Codes.MeetingPasswordWrong);
			}
		}
		// One statement, so two joiners cannot both take the last seat.
		const res = await c.env.DB.prepare(
			`INSERT OR IGNORE INTO meeting_participants (room_id, user_id, joined_at)
			 SELECT ?, ?, ? WHERE ? = 0 OR (SELECT COUNT(*) FROM meeting_participants WHERE room_id = ?) < ?
			    OR EXISTS (SELECT 1 FROM meeting_participants WHERE room_id = ? AND user_id = ?)`,
		)
			.bind(m.id, me, now(), m.max_participants, m.id, m.max_participants, m.id, me)
			.run();
		if (res.meta.changes === 0) {
			const already = await c.env.DB.prepare("SELECT 1 FROM meeting_participants WHERE room_id = ? AND user_id = ?")
				.bind(m.id, me)
				.first();
			if (!already) throw conflict(`meeting is full (${m.max_participants} participants)`);
		}
		const token = await livekitToken(c.env, { identity: me, room: m.room_name, roomAdmin: me === m.creator_id });
		const meeting = await getMeeting(c, m.id);
		return ok(c, { meeting: meetingOut(meeting), roomName: m.room_name, token, livekitUrl: livekitUrl(c.env) });
	},
);

rtc.post(
	"/meetings/:roomId/end",
	requireUser,
	doc({
		summary: "End a meeting (creator only: 90108); ending an ended meeting is a no-op",
		tags: ["rtc"],
	}),
	validate("param", RoomIdParam),
	async (c) => {
		const m = await getMeeting(c, c.req.valid("param").roomId);
		if (m.creator_id !== c.var.auth.userId) {
			throw forbidden("only the creator can end the meeting", Codes.MeetingPermission);
		}
		if (m.status === "active") {
			await c.env.DB.prepare("UPDATE meetings SET status = 'ended', ended_at = ? WHERE id = ? AND status = 'active'")
				.bind(now(), m.id)
				.run();
		}
		return ok(c, null);
	},
);
