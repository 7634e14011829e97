import { type CallRow, transitionCall } from "../db/calls";
import type { Bindings } from "../domain/env";
import { notify } from "./notify";

/** `livekit.call_status` to both sides, on every change of a call's status. */
export const notifyCallStatus = (env: Bindings, call: CallRow) =>
	notify(env, [call.callerId, call.calleeId], "livekit.call_status", {
		callId: call.id,
		status: call.status,
		callerId: call.callerId,
		calleeId: call.calleeId,
	});

/** The ring alarm: a call still ringing becomes missed, and both sides hear of it. */
export async function markCallMissed(env: Bindings, callId: string): Promise<void> {
	const call = await transitionCall(env, callId, ["ringing"], "missed");
	if (call) await notifyCallStatus(env, call);
}
