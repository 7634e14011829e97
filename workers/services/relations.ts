import type { Bindings } from "../env";

/**
 * How the caller relates to another user. The social-graph feature fills this from the
 * friendship and blacklist tables; until those exist, no relation exists.
 */
export async function relationFlags(
	_env: Bindings,
	_viewerId: string,
	_targetId: string,
): Promise<{ isFriend: boolean; isBlocked: boolean }> {
	return { isFriend: false, isBlocked: false };
}
