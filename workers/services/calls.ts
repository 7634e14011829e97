import type { z } from "zod";
import type { InitiateCallRequest } from "../../contracts/rtc";
import { type CallRow, callsPage, getCall, inConnectedCall, insertCall, transitionCall } from "../../db/calls";
import type { PageParams } from "../../db/paging";
import { blockedEitherWay } from "../../db/relations";
import { getConfigValue } from "../../db/system-config";
import type { Bindings } from "../../domain/env";
import { now } from "../../domain/time";
import { notifyCallStatus } from "../../platform/call-status";
import { notify } from "../../platform/notify";
import { pushIfOffline } from "../../platform/push-jobs";
import { callTimerFor } from "../../platform/stubs";
import { badRequest, Codes, conflict, forbidden, notFound } from "../lib/errors";
import { pageOut } from "../lib/paging";
import { livekitToken, livekitUrl } from "./livekit";
import { userCards } from "./users";

/** A `connected` call older than this is treated as abandoned (a client that vanished) for the busy check. */
export const STALE_CONNECTED_SECONDS = 12 * 3600;

/** Where a call's background work (ending the ring alarm) may outlive the response. */
type Background = Pick<ExecutionContext, "waitUntil">;

export const callOut = (r: CallRow) => ({
	callId: r.id,
	callerId: r.callerId,
	calleeId: r.calleeId,
	callType: r.callType,
	status: r.status,
	roomName: r.roomName,
	startedAt: r.createdAt,
	connectedAt: r.connectedAt,
	endedAt: r.endedAt,
	duration: r.duration,
	createdAt: r.createdAt,
});

const callNotFound = () => notFound("call not found", Codes.CallNotFound);
const stillRinging = () => conflict("call is no longer ringing", Codes.CallInvalidStatus);
const busy = (env: Bindings, userId: string) => inConnectedCall(env, userId, now() - STALE_CONNECTED_SECONDS);

async function participantCall(env: Bindings, me: string, callId: string): Promise<CallRow> {
	const call = await getCall(env, callId);
	if (!call) throw callNotFound();
	if (call.callerId !== me && call.calleeId !== me) {
		throw forbidden("not a participant of this call", Codes.CallPermissionDenied);
	}
	return call;
}

/** Answer or reject: the callee only, and only while ringing. */
async function ringingCallForCallee(env: Bindings, me: string, callId: string): Promise<CallRow> {
	const call = await getCall(env, callId);
	if (!call) throw callNotFound();
	if (call.calleeId !== me) throw forbidden("not the callee of this call", Codes.CallPermissionDenied);
	if (call.status !== "ringing") throw conflict(`call is not ringing (it is ${call.status})`, Codes.CallInvalidStatus);
	return call;
}

/** Ends the ring alarm; a failure is harmless (the alarm only changes calls that still ring). */
const disarm = (env: Bindings, bg: Background, callId: string) =>
	bg.waitUntil(
		callTimerFor(env, callId)
			.disarm()
			.catch(() => undefined),
	);

/**
 * Starts a call: it rings until call.ring_timeout (the CallTimer's alarm then marks it missed);
 * the callee hears of it live, or by an offline push.
 */
export async function startCall(env: Bindings, me: string, req: z.infer<typeof InitiateCallRequest>) {
	const { calleeId, callType } = req;
	if (calleeId === me) throw badRequest("caller and callee cannot be the same");
	if (!(await userCards(env, [calleeId])).has(calleeId)) throw notFound("callee not found", Codes.UserNotFound);
	if (await blockedEitherWay(env, me, calleeId)) {
		throw forbidden("calls between these users are blocked", Codes.UserBlocked);
	}
	if (await busy(env, calleeId)) throw conflict("the callee is busy in another call", Codes.CallAlreadyActive);
	if (await busy(env, me)) throw conflict("you are already in a call", Codes.CallAlreadyActive);

	const id = crypto.randomUUID();
	const t = now();
	const call: CallRow = {
		id,
		callerId: me,
		calleeId,
		callType,
		status: "ringing",
		roomName: `call_${id}`,
		createdAt: t,
		connectedAt: 0,
		endedAt: 0,
		duration: 0,
	};
	const token = await livekitToken(env, { identity: me, room: call.roomName, roomAdmin: true });
	await insertCall(env, call);
	const timeout = await getConfigValue(env, "call.ring_timeout");
	await callTimerFor(env, id).arm(id, (t + timeout) * 1000);
	const invite = { callId: id, callerId: me, callType, roomName: call.roomName };
	const reached = await notify(env, [calleeId], "livekit.call_invite", invite);
	await pushIfOffline(
		env,
		reached,
		"livekit.call_invite",
		callType === "video" ? "视频通话邀请" : "语音通话邀请",
		invite,
	);
	return { callId: id, roomName: call.roomName, token, livekitUrl: livekitUrl(env), call: callOut(call) };
}

/** The caller's calls (as caller or callee), newest first, as a wire page. */
export async function listCalls(env: Bindings, me: string, p: PageParams) {
	const { rows, total } = await callsPage(env, me, p);
	return pageOut(rows.map(callOut), total, p);
}

export const callFor = async (env: Bindings, me: string, callId: string) =>
	callOut(await participantCall(env, me, callId));

/** The callee answers: the call connects, and both sides hear of it. */
export async function answerCall(env: Bindings, bg: Background, me: string, callId: string) {
	const ringing = await ringingCallForCallee(env, me, callId);
	const token = await livekitToken(env, { identity: me, room: ringing.roomName, roomAdmin: false });
	const call = await transitionCall(env, ringing.id, ["ringing"], "connected");
	if (!call) throw stillRinging();
	disarm(env, bg, call.id);
	await notifyCallStatus(env, call);
	return { callId: call.id, roomName: call.roomName, token, livekitUrl: livekitUrl(env), call: callOut(call) };
}

/** The callee declines: the caller gets livekit.call_rejected, both sides the new status. */
export async function rejectCall(env: Bindings, bg: Background, me: string, callId: string): Promise<void> {
	const ringing = await ringingCallForCallee(env, me, callId);
	const call = await transitionCall(env, ringing.id, ["ringing"], "rejected");
	if (!call) throw stillRinging();
	disarm(env, bg, call.id);
	await Promise.all([
		notify(env, [call.callerId], "livekit.call_rejected", { callId: call.id, calleeId: call.calleeId }),
		notifyCallStatus(env, call),
	]);
}

/** Either side hangs up: ringing becomes cancelled, connected becomes ended; a finished call stays as it is. */
export async function endCall(env: Bindings, bg: Background, me: string, callId: string): Promise<void> {
	const current = await participantCall(env, me, callId);
	if (current.status !== "ringing" && current.status !== "connected") return;
	const call =
		(await transitionCall(env, current.id, ["ringing"], "cancelled")) ??
		(await transitionCall(env, current.id, ["connected"], "ended"));
	if (call) {
		disarm(env, bg, call.id);
		await notifyCallStatus(env, call);
	}
}
