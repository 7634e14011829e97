import { privateConversationId } from "../../contracts/ids";
import { loadGroupSnapshot, loadPrivateSnapshot } from "../../db/conversations";
import type { Bindings } from "../../domain/env";
import { conversationFor } from "../../platform/stubs";

/**
 * The Conversation objects keep copies of D1 facts so that no message needs a D1 read:
 * a group's member list, and whether a private pair may chat. These two functions are the
 * only way those copies change: every service that changes membership, friendship or the
 * blacklist calls one after its D1 write. Each sends the whole current truth (not a delta),
 * so a copy can never drift.
 */
export async function syncGroupConversation(env: Bindings, groupId: string): Promise<void> {
	await conversationFor(env, groupId).syncMembers(await loadGroupSnapshot(env, groupId));
}

export async function syncPrivateConversation(env: Bindings, a: string, b: string): Promise<void> {
	await conversationFor(env, privateConversationId(a, b)).syncPrivate(await loadPrivateSnapshot(env, a, b));
}
