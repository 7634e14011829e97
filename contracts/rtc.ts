import { z } from "zod";
import { PageQuery, pageOf, UnixSeconds } from "./common";

export const CALL_STATUSES = ["ringing", "connected", "ended", "rejected", "missed", "cancelled"] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

/** `audio`/`video`, also the reference's integers 0/1 (absent = audio). */
export const CallTypeInput = z
	.union([z.string(), z.number()])
	.optional()
	.transform((v, ctx) => {
		if (v === undefined || v === "" || v === 0 || v === "audio") return "audio" as const;
		if (v === 1 || v === "video") return "video" as const;
		ctx.addIssue({ code: "custom", message: "callType must be audio or video (or 0/1)" });
		return z.NEVER;
	})
	.describe("audio or video (integers 0/1 accepted); default audio");

export const InitiateCallRequest = z.object({
	calleeId: z
		.string({ error: "calleeId is required" })
		.min(1, "calleeId must not be empty")
		.max(64, "calleeId is too long"),
	callType: CallTypeInput,
});

export const CallSession = z.object({
	callId: z.string(),
	callerId: z.string(),
	calleeId: z.string(),
	callType: z.enum(["audio", "video"]),
	status: z.enum(CALL_STATUSES),
	roomName: z.string(),
	startedAt: UnixSeconds,
	connectedAt: UnixSeconds.describe("0 until answered"),
	endedAt: UnixSeconds.describe("0 until finished"),
	duration: z.number().int().describe("seconds between answer and end"),
	createdAt: UnixSeconds,
});

export const LiveKitAccess = z.object({
	roomName: z.string(),
	token: z.string().describe("LiveKit access JWT (HS256), valid 2 hours"),
	livekitUrl: z.string().describe("the LiveKit server clients connect to"),
});

export const InitiateCallResponse = LiveKitAccess.extend({ callId: z.string(), call: CallSession });
export const JoinCallResponse = LiveKitAccess.extend({ callId: z.string(), call: CallSession });
export const CallList = pageOf(CallSession);

export const MeetingStatus = z.enum(["active", "ended"]);

export const CreateMeetingRequest = z.object({
	title: z
		.string({ error: "title is required" })
		.trim()
		.min(1, "title must not be empty")
		.max(100, "title is too long"),
	password: z.string().max(64, "password must be at most 64 characters").optional(),
	maxParticipants: z
		.number()
		.int("maxParticipants must be an integer")
		.min(0, "maxParticipants must not be negative")
		.max(1000, "maxParticipants must be at most 1000")
		.optional()
		.describe("0 or absent: unlimited"),
});

export const JoinMeetingRequest = z.object({ password: z.string().max(64, "password is too long").optional() });

export const MeetingRoom = z.object({
	roomId: z.string(),
	creatorId: z.string(),
	title: z.string(),
	roomName: z.string(),
	hasPassword: z.boolean(),
	maxParticipants: z.number().int(),
	participantCount: z.number().int(),
	status: MeetingStatus,
	startedAt: UnixSeconds,
	endedAt: UnixSeconds.describe("0 while active"),
	createdAt: UnixSeconds,
});

export const MeetingAccess = LiveKitAccess.extend({ meeting: MeetingRoom });
export const MeetingList = pageOf(MeetingRoom);
export const RtcPageQuery = PageQuery;
