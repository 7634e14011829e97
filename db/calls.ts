import type { CallStatus } from "../contracts/rtc";
import type { Bindings } from "../domain/env";
import { now } from "../domain/time";

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

export const getCall = (env: Bindings, callId: string) =>
	env.DB.prepare("SELECT * FROM calls WHERE id = ?").bind(callId).first<CallRow>();

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
