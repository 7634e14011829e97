import type { Bindings } from "../../domain/env";
import { now } from "../../domain/time";
import { hubFor } from "../../platform/stubs";

/** Most UserHub objects asked per overview; beyond it the online count is a lower bound. */
export const ONLINE_PROBE_LIMIT = 200;

/**
 * Online users, counted from the UserHub objects: a user is online when their hub holds at
 * least one open socket. Only users with an unrevoked, unexpired device session can hold a
 * socket, so those are the candidates; the most recently active ONLINE_PROBE_LIMIT of them
 * are asked in parallel (`connectedDevices()`), and `exact` says whether that covered all.
 */
export async function countOnlineUsers(env: Bindings): Promise<{ online: number; exact: boolean }> {
	const t = now();
	const rows = await env.DB.prepare(
		`SELECT user_id, MAX(refreshed_at) AS last FROM device_sessions
		  WHERE revoked_at IS NULL AND expires_at > ?
		  GROUP BY user_id ORDER BY last DESC LIMIT ?`,
	)
		.bind(t, ONLINE_PROBE_LIMIT + 1)
		.all<{ user_id: string }>();
	const candidates = rows.results.slice(0, ONLINE_PROBE_LIMIT);
	const answers = await Promise.allSettled(candidates.map((r) => hubFor(env, r.user_id).connectedDevices()));
	const online = answers.filter((a) => a.status === "fulfilled" && a.value.length > 0).length;
	return { online, exact: rows.results.length <= ONLINE_PROBE_LIMIT };
}
