import type { SearchQuery, SearchReply } from "../../domain/message-search";
import type { Access } from "./access";
import { type MessageStore, rowToMessage } from "./message-store";
import { matchExpression } from "./search-text";

export type { SearchQuery, SearchReply } from "../../domain/message-search";

/**
 * A participant's search of this conversation (Conversation.search): the matches they may see,
 * newest first, with their total. Messages not indexed yet are indexed first, so every stored message is found.
 */
export function searchFor(
	access: Access,
	store: MessageStore,
	conversationId: string,
	userId: string,
	q: SearchQuery,
): SearchReply {
	if (!access.ok) return access;
	const index = store.search;
	const upToSeq = Math.min(q.upToSeq ?? store.lastSeq, store.lastSeq);
	const match = matchExpression(q.keyword);
	if (!match) return { ok: true, total: 0, upToSeq, list: [], hits: [] };
	store.index();
	const filter = { match, userId, contentType: q.contentType, upToSeq };
	const total = index.count(filter);
	if (total <= q.offset) return { ok: true, total, upToSeq, list: [], hits: [] };
	if (q.keysOnly) return { ok: true, total, upToSeq, list: [], hits: index.hits(filter, q.offset, q.limit) };
	const list = index.page(filter, q.offset, q.limit).map((r) => rowToMessage(conversationId, access.kind, r));
	return { ok: true, total, upToSeq, list, hits: [] };
}
