import type { CallRow } from "../../db/calls";

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
