import type { CallStatus } from "../../contracts/rtc";
import type { Bindings } from "../env";
import { now } from "../lib/auth";
import { notify } from "./notify";

export interface CallRow {
	id: string;
	caller_id: string;
	callee_id: string;
	call_type: "audio" | "video";
	status: CallStatus;
	room_name: string;
	created_at: number;
	connected_at: number;
	ended_at: number;
	duration: number;
}

/** A `connected` call older than this is treated as abandoned (a client that vanished) for the busy check. */
export const STALE_CONNECTED_SECONDS = 12 * 3600;

export const callOut = (r: CallRow) => ({
	callId: r.id,
	callerId: r.caller_id,
	calleeId: r.callee_id,
	callType: r.call_type,
	status: r.status,
	roomName: r.room_name,
	startedAt: r.created_at,
	connectedAt: r.connected_at,
	endedAt: r.ended_at,
	duration: r.duration,
	createdAt: r.created_at,
});

export const getCall = (env: Bindings, callId: string) =>
	env.DB.prepare("SELECT * FROM calls WHERE id = ?").bind(callId).first<CallRow>();

export const callTimerFor = (env: Bindings, callId: string) => env.CALL_TIMER.getByName(`call:${callId}`);

/** `livekit.call_status` to both sides, on every change of a call's status. */
export const notifyCallStatus = (env: Bindings, call: CallRow) =>
	notify(env, [call.caller_id, call.callee_id], "livekit.call_status", {
		callId: call.id,
		status: call.status,
		callerId: call.caller_id,
		calleeId: call.callee_id,
	});

/**
 * Moves a call from one of `from` to `to` in one conditional UPDATE, so concurrent answers,
 * ends and the ring alarm cannot both win. Returns the new row, or null if the call was no
 * longer in `from`.
 */
export async function transitionCall(
	env: Bindings,
	callId: string,
	from: CallStatus[],
	to: CallStatus,
): Promise<CallRow | null> {
	const t = now();
	const connecting = to === "connected";
	const finishing = !connecting;
	const row = await env.DB.prepare(
		`UPDATE calls SET status = ?,
		        connected_at = CASE WHEN ? THEN ? ELSE connected_at END,
		        ended_at = CASE WHEN ? THEN ? ELSE ended_at END,
		        duration = CASE WHEN ? AND connected_at > 0 THEN MAX(0, ? - connected_at) ELSE duration END
		  WHERE id = ? AND status IN (${from.map(() => "?").join(",")})
		  RETURNING *`,
	)
		.bind(to, connecting ? 1 : 0, t, finishing ? 1 : 0, t, finishing ? 1 : 0, t, callId, ...from)
		.first<CallRow>();
	return row ?? null;
}

/** The ring alarm: a call still ringing becomes missed, and both sides hear of it. */
export async function markCallMissed(env: Bindings, callId: string): Promise<void> {
	const call = await transitionCall(env, callId, ["ringing"], "missed");
	if (call) await notifyCallStatus(env, call);
}
