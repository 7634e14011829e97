import type { ConversationSeq, SyncApi, SyncResult } from "../api";
import type { Delivery } from "./delivery";
import type { Sequencer } from "./sequencer";

export interface CatchUpInput {
	sync: SyncApi;
	sequencer: Sequencer;
	delivery: Delivery;
	lastSyncTime: number;
	pageSize: number;
	/** True once the socket the catch-up runs for has been replaced: its results are dropped. */
	stale: () => boolean;
}

/**
 * POST /sync, then /sync/messages until nothing has more, every page delivered as it comes.
 * Resolves with the /sync result, or null as soon as the catch-up has gone stale.
 */
export async function catchUp({
	sync,
	sequencer,
	delivery,
	lastSyncTime,
	pageSize,
	stale,
}: CatchUpInput): Promise<SyncResult | null> {
	const seqs: ConversationSeq[] = sequencer.conversations();
	const result = await sync.sync({ lastSyncTime, conversationSeqs: seqs });
	if (stale()) return null;
	let more: string[] = [];
	for (const c of result.conversations) {
		delivery.ingestQuietly(c.messages);
		if (c.hasMore) more.push(c.conversationId);
	}
	while (more.length) {
		const convs = await sync.messages({
			conversationSeqs: more.map((id) => ({ conversationId: id, lastSeq: sequencer.lastSeq(id) ?? 0 })),
			limitPerConversation: pageSize,
		});
		if (stale()) return null;
		const next: string[] = [];
		for (const c of convs) {
			const before = sequencer.lastSeq(c.conversationId) ?? 0;
			delivery.ingestQuietly(c.messages);
			// Guard against a server that keeps saying hasMore without progress.
			if (c.hasMore && (sequencer.lastSeq(c.conversationId) ?? 0) > before) next.push(c.conversationId);
		}
		more = next;
	}
	return result;
}
