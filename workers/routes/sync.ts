import { Hono } from "hono";
import type { z } from "zod";
import type { MessageData } from "../../contracts/messages";
import {
	SyncMessagesQuery,
	SyncMessagesRequest,
	SyncMessagesResponse,
	SyncRequest,
	SyncResponse,
} from "../../contracts/sync";
import type { Bindings } from "../../domain/env";
import { ok } from "../../domain/envelope";
import { resolveConversationId } from "../../domain/messaging";
import { now } from "../../domain/time";
import { notify } from "../../platform/notify";
import { conversationFor, hubFor } from "../../platform/stubs";
import type { AppEnv } from "../env";
import { requireUser } from "../lib/auth";
import { doc, validate } from "../lib/validate";
import { socialChangesSince } from "../services/sync-social";

export const sync = new Hono<AppEnv>();

/** Sessions returned by /sync at most. */
const SYNC_SESSION_LIMIT = 100;
const SYNC_MESSAGES_PER_CONVERSATION = 50;

type Seq = z.output<typeof SyncRequest>["conversationSeqs"][number];

/** Messages after each `lastSeq`, participants only; conversations the caller may not read are left out. */
async function backfill(env: Bindings, userId: string, seqs: Seq[], limit: number) {
	const results = await Promise.all(
		seqs.map(async (s) => {
			const resolved = resolveConversationId(userId, {
				conversationId: s.conversationId,
				conversationType: s.conversationType ?? "group",
			});
			if (!resolved.ok) return null;
			const id = resolved.conversationId;
			const res = await conversationFor(env, id).messagesAfter(id, userId, s.lastSeq, limit);
			if (!res) return null;
			return {
				conversationId: id,
				conversationType: res.kind,
				messages: res.messages as MessageData[],
				hasMore: res.hasMore,
			};
		}),
	);
	return results.filter((r) => r !== null);
}

sync.post(
	"/",
	requireUser,
	doc({
		summary:
			"What changed since lastSyncTime: friends and groups (with deletions), sessions updated since, messages after each lastSeq",
		tags: ["sync"],
		response: SyncResponse,
	}),
	validate("json", SyncRequest, { optional: true }),
	async (c) => {
		const body = c.req.valid("json");
		const me = c.var.auth;
		const syncTime = now();
		const [social, sessions, conversations] = await Promise.all([
			socialChangesSince(c.env, me.userId, body.lastSyncTime),
			hubFor(c.env, me.userId).sessionsSince(body.lastSyncTime, SYNC_SESSION_LIMIT),
			backfill(c.env, me.userId, body.conversationSeqs, SYNC_MESSAGES_PER_CONVERSATION),
		]);
		await notify(c.env, [me.userId], "sync.completed", { syncTime });
		return ok(c, {
			friends: { list: social.friends, total: social.friends.length },
			groups: { list: social.groups, total: social.groups.length },
			sessions,
			conversations,
			syncTime,
		});
	},
);

sync.post(
	"/messages",
	requireUser,
	doc({
		summary: "Back-fill messages after each lastSeq (limitPerConversation default 50, max 100)",
		tags: ["sync"],
		response: SyncMessagesResponse,
	}),
	validate("query", SyncMessagesQuery),
	validate("json", SyncMessagesRequest),
	async (c) => {
		const body = c.req.valid("json");
		// The upstream contract passes the per-conversation limit as `?limit=`; the body field wins when both are given.
		const limit = body.limitPerConversation ?? c.req.valid("query").limit ?? 50;
		return ok(c, {
			conversations: await backfill(c.env, c.var.auth.userId, body.conversationSeqs, limit),
		});
	},
);
