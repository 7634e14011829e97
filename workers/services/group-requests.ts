import type { z } from "zod";
import type { JoinRequestList, JoinRequestStatus, JoinResponse } from "../../contracts/groups";
import {
	acceptJoinRequest,
	addMembers,
	type GroupRow,
	getJoinRequest,
	insertJoinRequest,
	joinRequestsOf,
	memberIds,
	memberRole,
	pendingJoinRequestId,
	settleJoinRequest,
} from "../../db/groups";
import type { Bindings } from "../../domain/env";
import { now } from "../../domain/time";
import { notify } from "../../platform/notify";
import { pushIfOffline } from "../../platform/push-jobs";
import { Codes, conflict, notFound } from "../lib/errors";
import { announceJoined, asAdmin, limitReached, requireGroup } from "./groups";
import { cardOf, userCards } from "./users";

type Status = z.infer<typeof JoinRequestStatus>;

const admins = (env: Bindings, groupId: string) => memberIds(env, groupId, ["owner", "admin"]);

/**
 * Invitations into a joinVerify group: a pending request per invitee (one already pending is
 * kept as is). A new one is sent to the invitee (`group.invited`, as an offline push when not
 * connected) and to the owner/admins (`group.join_requested`). Returns every invitee.
 */
export async function inviteToVerifiedGroup(
	env: Bindings,
	group: Pick<GroupRow, "id" | "name" | "avatar">,
	inviterUserId: string,
	invitees: string[],
	t: number,
): Promise<string[]> {
	const groupId = group.id;
	const approvers = await admins(env, groupId);
	for (const userId of invitees) {
		if (await pendingJoinRequestId(env, groupId, userId)) continue;
		const requestId = await insertJoinRequest(env, { groupId, userId, inviterId: inviterUserId, message: "" }, t);
		const reached = await notify(env, [userId], "group.invited", {
			groupId,
			groupName: group.name,
			groupAvatar: group.avatar,
			inviterUserId,
			requestId,
			invitedAt: t,
		});
		await pushIfOffline(env, reached, "group.invited", `你被邀请加入群组「${group.name}」`, {
			groupId,
			requestId: String(requestId),
			inviterUserId,
		});
		await notify(env, approvers, "group.join_requested", {
			requestId,
			groupId,
			userId,
			inviterId: inviterUserId,
			message: "",
			createdAt: t,
		});
	}
	return invitees;
}

/**
 * Joins the group, or applies when it requires verification. A pending request of the caller
 * (application or invitation) is answered as is.
 */
export async function joinGroup(
	env: Bindings,
	groupId: string,
	me: string,
	message: string,
): Promise<z.infer<typeof JoinResponse>> {
	const group = await requireGroup(env, groupId);
	if (await memberRole(env, groupId, me))
		throw conflict("you are already a member of this group", Codes.AlreadyGroupMember);
	const waiting = (requestId: number) => ({
		needVerify: true,
		requestId,
		message: "request submitted, awaiting approval",
	});
	const pending = await pendingJoinRequestId(env, groupId, me);
	if (pending) return waiting(pending);
	const t = now();
	if (group.joinVerify) {
		const requestId = await insertJoinRequest(env, { groupId, userId: me, inviterId: "", message }, t);
		await notify(env, await admins(env, groupId), "group.join_requested", {
			requestId,
			groupId,
			userId: me,
			inviterId: "",
			message,
			createdAt: t,
		});
		return waiting(requestId);
	}
	if (group.memberCount >= group.maxMembers) throw limitReached();
	const added = await addMembers(env, groupId, [me], t, group.maxMembers);
	if (!added.length) throw limitReached();
	await announceJoined(env, groupId, [me], "", t);
	return { needVerify: false, requestId: 0, message: "joined the group" };
}

/** The group's requests and invitations, newest first, with the users' cards (owner/admin). */
export async function listJoinRequests(
	env: Bindings,
	groupId: string,
	me: string,
	status?: Status,
): Promise<z.infer<typeof JoinRequestList>> {
	await asAdmin(env, groupId, me);
	const rows = await joinRequestsOf(env, groupId, status);
	const cards = await userCards(
		env,
		rows.map((r) => r.userId),
	);
	const requests = rows.map((r) => ({
		id: r.id,
		groupId: r.groupId,
		userId: r.userId,
		inviterId: r.inviterId,
		message: r.message,
		status: r.status as Status,
		createdAt: r.createdAt,
		userInfo: cardOf(cards, r.userId),
	}));
	return { requests, total: requests.length };
}

/** Owner/admin accepts (adds the user, within the member limit) or rejects a pending request. */
export async function handleJoinRequest(
	env: Bindings,
	groupId: string,
	me: string,
	requestId: number,
	accept: boolean,
): Promise<void> {
	const { group } = await asAdmin(env, groupId, me);
	const req = await getJoinRequest(env, groupId, requestId);
	if (!req) throw notFound("join request not found", Codes.JoinRequestNotFound);
	const handled = () => conflict("join request was already handled", Codes.JoinRequestProcessed);
	if (req.status !== "pending") throw handled();
	const t = now();
	if (!accept) {
		if (!(await settleJoinRequest(env, requestId, "rejected", t))) throw handled();
		return;
	}
	if (await memberRole(env, groupId, req.userId)) {
		// Joined another way meanwhile: the request is settled, nothing else changes.
		await settleJoinRequest(env, requestId, "accepted", t);
		return;
	}
	if (group.memberCount >= group.maxMembers) throw limitReached();
	const { added, settled } = await acceptJoinRequest(env, req, t, group.maxMembers);
	if (!added) throw limitReached();
	if (!settled) throw handled();
	await announceJoined(env, groupId, [req.userId], req.inviterId, t);
}
