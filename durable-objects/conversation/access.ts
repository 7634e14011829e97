import { isPrivateConversationId, privatePeers } from "../../contracts/ids";
import { SendCodes } from "../../contracts/messages";
import { loadGroupSnapshot, loadPrivateSnapshot } from "../../db/conversations";
import type { Bindings } from "../../domain/env";
import type { ConversationKind, MemberSnapshot, PrivateSnapshot } from "../../domain/messaging-types";
import type { MemberCopy } from "./members";

export type Access = { ok: true; kind: ConversationKind } | { ok: false; code: number; message: string };

/** How the object stores a snapshot (the same as a sync from D1 would). */
export interface SnapshotSink {
	syncPrivate(snapshot: PrivateSnapshot): Promise<void>;
	syncMembers(snapshot: MemberSnapshot): Promise<void>;
}

/**
 * A conversation whose copy was never synced (e.g. friends made before this object existed)
 * loads D1's truth once, here; a pair that may chat and a live group are stored like a sync
 * would store them, later changes arrive through the sync hooks. Refusals (strangers, unknown
 * or dissolved groups) are kept in memory only, so probing IDs writes nothing.
 */
export async function ensureSynced(
	env: Bindings,
	members: MemberCopy,
	sink: SnapshotSink,
	conversationId: string,
): Promise<ConversationKind | null> {
	const kind = members.kind();
	if (kind) return kind;
	if (isPrivateConversationId(conversationId)) {
		const peers = privatePeers(conversationId);
		if (!peers || peers[0] === peers[1]) return null;
		const snapshot = await loadPrivateSnapshot(env, peers[0], peers[1]);
		if (members.kind()) return members.kind();
		if (snapshot.code === 0) await sink.syncPrivate(snapshot);
		else
			members.holdVolatile(
				[
					["kind", "private"],
					["privateCode", String(snapshot.code)],
				],
				snapshot.users.map((userId) => ({ userId, role: "member", muted: false })),
			);
	} else {
		const snapshot = await loadGroupSnapshot(env, conversationId);
		if (members.kind()) return members.kind();
		if (!snapshot.dissolved) await sink.syncMembers(snapshot);
		else
			members.holdVolatile(
				[
					["kind", "group"],
					["dissolved", "1"],
				],
				[],
			);
	}
	return members.kind();
}

/** May `userId` read this conversation? Private: one of the pair; group: a current member. */
export function accessOf(
	kind: ConversationKind | null,
	members: MemberCopy,
	conversationId: string,
	userId: string,
): Access {
	if (!kind) return { ok: false, code: SendCodes.ConversationNotFound, message: "conversation not found" };
	if (kind === "private") {
		const peers = privatePeers(conversationId);
		if (!peers?.includes(userId)) return { ok: false, code: 403, message: "not a participant of this conversation" };
		return { ok: true, kind };
	}
	if (members.getMeta("dissolved") === "1")
		return { ok: false, code: SendCodes.GroupNotFound, message: "group not found" };
	if (!members.map().has(userId)) return { ok: false, code: SendCodes.NotGroupMember, message: "not a group member" };
	return { ok: true, kind };
}
