import type { z } from "zod";
import type { BlacklistItem } from "../../contracts/friends";
import { blacklistPage, deleteBlock, insertBlock } from "../../db/friends";
import type { PageParams } from "../../db/paging";
import type { Bindings } from "../../domain/env";
import type { AuthContext } from "../../domain/identity";
import { now } from "../../domain/time";
import { notify } from "../../platform/notify";
import { badRequest, Codes, conflict, notFound } from "../lib/errors";
import { pageOut } from "../lib/paging";
import { syncPrivateConversation } from "./conversation-sync";
import { cardOf, userCards } from "./users";

type Me = Pick<AuthContext, "userId" | "deviceId">;

/** The users the caller blocks, newest first, as a wire page. */
export async function listBlacklist(env: Bindings, me: string, p: PageParams) {
	const { rows, total } = await blacklistPage(env, me, p);
	const cards = await userCards(
		env,
		rows.map((r) => r.blockedUserId),
	);
	const list: z.infer<typeof BlacklistItem>[] = rows.map((r) => ({
		userId: me,
		blockedUserId: r.blockedUserId,
		createdAt: r.createdAt,
		blockedUserInfo: cardOf(cards, r.blockedUserId),
	}));
	return pageOut(list, total, p);
}

/**
 * A block or unblock: the D1 change (with both friendship rows touched, so incremental lists
 * report the visibility change), then the private conversation's copy, then the caller's other
 * devices. The blocked user is not told.
 */
async function changeBlock(env: Bindings, me: Me, target: string, action: "add" | "remove") {
	const t = now();
	if (action === "add") {
		if (!(await insertBlock(env, me.userId, target, t)))
			throw conflict("user is already blocked", Codes.AlreadyInBlacklist);
	} else if (!(await deleteBlock(env, me.userId, target, t))) {
		throw notFound("user is not in your blacklist", Codes.NotInBlacklist);
	}
	await syncPrivateConversation(env, me.userId, target);
	await notify(
		env,
		[me.userId],
		"friend.blacklist_changed",
		{ targetUserId: target, action, changedAt: t },
		{ excludeDevice: me.deviceId },
	);
}

export async function blockUser(env: Bindings, me: Me, target: string): Promise<void> {
	if (target === me.userId) throw badRequest("you cannot block yourself", Codes.CannotAddSelf);
	if (!(await userCards(env, [target])).has(target)) throw notFound("user not found", Codes.UserProfileNotFound);
	await changeBlock(env, me, target, "add");
}

export const unblockUser = (env: Bindings, me: Me, target: string) => changeBlock(env, me, target, "remove");
