import type { z } from "zod";
import type { Friend } from "../../contracts/friends";
import type { GroupListItem } from "../../contracts/groups";
import type { Bindings } from "../../domain/env";
import { friendsChangedSince } from "./friends";
import { groupsChangedSince } from "./groups";

/**
 * Friends and groups for `POST /sync`: `since` 0 = everything current; otherwise every row that
 * moved since, with unfriended/block-hidden friends and left/removed/dissolved groups flagged
 * `isDeleted` (the social services' own incremental lists, so /sync and GET /friends, /groups agree).
 */
export async function socialChangesSince(
	env: Bindings,
	userId: string,
	since: number,
): Promise<{ friends: z.output<typeof Friend>[]; groups: z.output<typeof GroupListItem>[] }> {
	const [friends, groups] = await Promise.all([
		friendsChangedSince(env, userId, since),
		groupsChangedSince(env, userId, since),
	]);
	return { friends, groups };
}
