import { Hono } from "hono";
import { z } from "zod";
import { IdParam } from "../../../contracts/common";
import {
	CallList,
	CallSession,
	InitiateCallRequest,
	InitiateCallResponse,
	JoinCallResponse,
	RtcPageQuery,
} from "../../../contracts/rtc";
import { ok } from "../../../domain/envelope";
import type { AppEnv } from "../../env";
import { requireUser } from "../../lib/auth";
import { doc, validate } from "../../lib/validate";
import { answerCall, callFor, endCall, listCalls, rejectCall, startCall } from "../../services/calls";

/** `/calls`: one-to-one calls, from the invitation to the hang-up. */
export const calls = new Hono<AppEnv>();

const CallIdParam = z.object({ callId: IdParam("callId") });

calls.post(
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
	async (c) => ok(c, await startCall(c.env, c.var.auth.userId, c.req.valid("json"))),
);

calls.get(
	"/calls",
	requireUser,
	doc({ summary: "My calls (as caller or callee), newest first", tags: ["rtc"], response: CallList }),
	validate("query", RtcPageQuery),
	async (c) => ok(c, await listCalls(c.env, c.var.auth.userId, c.req.valid("query"))),
);

calls.get(
	"/calls/:callId",
	requireUser,
	doc({ summary: "One call (participants only: 90103)", tags: ["rtc"], response: CallSession }),
	validate("param", CallIdParam),
	async (c) => ok(c, await callFor(c.env, c.var.auth.userId, c.req.valid("param").callId)),
);

calls.post(
	"/calls/:callId/join",
	requireUser,
	doc({
		summary: "Answer a ringing call (callee only); both sides get livekit.call_status connected",
		description: "Unknown: 404 (90101). Not the callee: 403 (90103). Not ringing: 409 (90104).",
		tags: ["rtc"],
		response: JoinCallResponse,
	}),
	validate("param", CallIdParam),
	async (c) => ok(c, await answerCall(c.env, c.executionCtx, c.var.auth.userId, c.req.valid("param").callId)),
);

calls.post(
	"/calls/:callId/reject",
	requireUser,
	doc({
		summary: "Decline a ringing call (callee only); the caller gets livekit.call_rejected",
		description: "Unknown: 404 (90101). Not the callee: 403 (90103). Not ringing: 409 (90104).",
		tags: ["rtc"],
	}),
	validate("param", CallIdParam),
	async (c) => {
		await rejectCall(c.env, c.executionCtx, c.var.auth.userId, c.req.valid("param").callId);
		return ok(c, null);
	},
);

calls.post(
	"/calls/:callId/end",
	requireUser,
	doc({
		summary: "Hang up (either side): ringing becomes cancelled, connected becomes ended; finished calls are a no-op",
		description: "Unknown: 404 (90101). Not a participant: 403 (90103).",
		tags: ["rtc"],
	}),
	validate("param", CallIdParam),
	async (c) => {
		await endCall(c.env, c.executionCtx, c.var.auth.userId, c.req.valid("param").callId);
		return ok(c, null);
	},
);
