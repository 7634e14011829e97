import { Hono } from "hono";
import { z } from "zod";
import { IdParam } from "../../../contracts/common";
import {
	CreateMeetingRequest,
	JoinMeetingRequest,
	MeetingAccess,
	MeetingList,
	MeetingRoom,
	RtcPageQuery,
} from "../../../contracts/rtc";
import { ok } from "../../../domain/envelope";
import type { AppEnv } from "../../env";
import { requireUser } from "../../lib/auth";
import { doc, validate } from "../../lib/validate";
import { closeMeeting, createMeeting, enterMeeting, listMeetings, meetingView } from "../../services/meetings";

/** `/meetings`: meeting rooms, open to whoever has the room ID. */
export const meetings = new Hono<AppEnv>();

const RoomIdParam = z.object({ roomId: IdParam("roomId") });

meetings.post(
	"/meetings",
	requireUser,
	doc({
		summary: "Open a meeting room (optional password, maxParticipants 0 = unlimited); the creator joins it",
		tags: ["rtc"],
		response: MeetingAccess,
	}),
	validate("json", CreateMeetingRequest),
	async (c) => ok(c, await createMeeting(c.env, c.var.auth.userId, c.req.valid("json"))),
);

meetings.get(
	"/meetings",
	requireUser,
	doc({
		summary: "Active meetings I created or joined, newest first",
		description: "Meetings are private to those who have the room ID; the list never shows other people's rooms.",
		tags: ["rtc"],
		response: MeetingList,
	}),
	validate("query", RtcPageQuery),
	async (c) => ok(c, await listMeetings(c.env, c.var.auth.userId, c.req.valid("query"))),
);

meetings.get(
	"/meetings/:roomId",
	requireUser,
	doc({ summary: "One meeting room (anyone with its ID)", tags: ["rtc"], response: MeetingRoom }),
	validate("param", RoomIdParam),
	async (c) => ok(c, await meetingView(c.env, c.req.valid("param").roomId)),
);

meetings.post(
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
		const { roomId } = c.req.valid("param");
		return ok(c, await enterMeeting(c.env, c.var.auth.userId, roomId, c.req.valid("json").password));
	},
);

meetings.post(
	"/meetings/:roomId/end",
	requireUser,
	doc({
		summary: "End a meeting (creator only: 90108); ending an ended meeting is a no-op",
		tags: ["rtc"],
	}),
	validate("param", RoomIdParam),
	async (c) => {
		await closeMeeting(c.env, c.var.auth.userId, c.req.valid("param").roomId);
		return ok(c, null);
	},
);
