import type { z } from "zod";
import type { MessageData, SearchMessagesQuery } from "../../contracts/messages";
import type { Bindings } from "../../domain/env";
import type { SearchHit, SearchQuery } from "../../domain/message-search";
import { conversationFor, hubFor } from "../../platform/stubs";
import { apiErrorOf } from "./messaging";

type SearchInput = z.output<typeof SearchMessagesQuery>;
type Found = { list: MessageData[]; total: number };

/** Newest first: by time, then sequence, then conversation (so equal times still have one order). */
const newestFirst = (
	a: { createdAt: number; seq: number; conversationId: string },
	b: { createdAt: number; seq: number; conversationId: string },
) => b.createdAt - a.createdAt || b.seq - a.seq || (a.conversationId < b.conversationId ? -1 : 1);

/**
 * The caller's messages matching the keyword, newest first, and how many there are. Each
 * Conversation searches its own full-text index and leaves out what the caller may not see;
 * one the caller is not in answers a refusal, which names it as forbidden (403) or unknown.
 */
export async function searchMessages(env: Bindings, userId: string, input: SearchInput): Promise<Found> {
	const query: SearchQuery = {
		keyword: input.keyword,
		contentType: input.contentType,
		offset: input.offset,
		limit: input.limit,
	};
	const id = input.conversationId;
	if (id === undefined) return searchEverywhere(env, userId, query);
	const res = await conversationFor(env, id).search(id, userId, query);
	if (!res.ok) throw apiErrorOf(res);
	return { list: res.list, total: res.total };
}

/**
 * Across every conversation on the caller's list (their UserHub knows them, hidden ones too), in
 * two rounds of parallel calls: each conversation answers its count and where its first
 * offset+limit matches stand (sequence and time, no content); the merged page then takes its
 * messages from the conversations it holds, each up to the sequence it had counted to, so a
 * message sent in between does not shift the page. Conversations the caller left answer a refusal
 * and are left out.
 */
async function searchEverywhere(env: Bindings, userId: string, q: SearchQuery): Promise<Found> {
	const ids = await hubFor(env, userId).conversationIds();
	const take = q.offset + q.limit;
	const answers = await Promise.all(
		ids.map(async (conversationId) => ({
			conversationId,
			res: await conversationFor(env, conversationId).search(conversationId, userId, {
				...q,
				offset: 0,
				limit: take,
				keysOnly: true,
			}),
		})),
	);
	let total = 0;
	const ranked: (SearchHit & { conversationId: string; position: number })[] = [];
	const upTo = new Map<string, number>();
	for (const { conversationId, res } of answers) {
		if (!res.ok) continue;
		total += res.total;
		upTo.set(conversationId, res.upToSeq);
		res.hits.forEach((h: SearchHit, position: number) => {
			ranked.push({ ...h, conversationId, position });
		});
	}
	const page = ranked.sort(newestFirst).slice(q.offset, take);
	// A conversation's matches on the page are a run of its own newest-first list: one call each.
	const runs = new Map<string, { from: number; to: number; seqs: Set<number> }>();
	for (const hit of page) {
		const run = runs.get(hit.conversationId);
		if (!run) runs.set(hit.conversationId, { from: hit.position, to: hit.position, seqs: new Set([hit.seq]) });
		else {
			run.from = Math.min(run.from, hit.position);
			run.to = Math.max(run.to, hit.position);
			run.seqs.add(hit.seq);
		}
	}
	const fetched = await Promise.all(
		[...runs].map(async ([conversationId, run]) => {
			const res = await conversationFor(env, conversationId).search(conversationId, userId, {
				...q,
				offset: run.from,
				limit: run.to - run.from + 1,
				upToSeq: upTo.get(conversationId),
			});
			return res.ok ? res.list.filter((m: MessageData) => run.seqs.has(m.sequence)) : [];
		}),
	);
	const list = fetched.flat().sort((a, b) => newestFirst({ ...a, seq: a.sequence }, { ...b, seq: b.sequence }));
	return { list, total };
}
