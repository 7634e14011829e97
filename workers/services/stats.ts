import { overviewCounts, sessionHolders } from "../../db/stats";
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
	const holders = await sessionHolders(env, now(), ONLINE_PROBE_LIMIT + 1);
	const candidates = holders.slice(0, ONLINE_PROBE_LIMIT);
	const answers = await Promise.allSettled(candidates.map((userId) => hubFor(env, userId).connectedDevices()));
	const online = answers.filter((a) => a.status === "fulfilled" && a.value.length > 0).length;
	return { online, exact: holders.length <= ONLINE_PROBE_LIMIT };
}

/** The back office's overview: D1's counts, the online users, and when it was taken. */
export async function statsOverview(env: Bindings) {
	const t = now();
	const counts = await overviewCounts(env, t);
	const online = await countOnlineUsers(env);
	return { ...counts, onlineUsers: online.online, onlineUsersExact: online.exact, generatedAt: t };
}
