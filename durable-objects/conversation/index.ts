import { DurableObject } from "cloudflare:workers";
import { type MessageData, SendCodes } from "../../contracts/messages";
import { getConfigValue } from "../../db/system-config";
import type { Bindings } from "../../domain/env";
import type {
	ConversationKind,
	ConversationSummary,
	MemberSnapshot,
	PrivateSnapshot,
	SendInput,
	SendResult,
} from "../../domain/messaging-types";
import { notify } from "../../platform/notify";
import { hubFor, PeerStubs } from "../../platform/stubs";
import { emitWebhookEvent } from "../../platform/webhook-events";
import { type Access, accessOf, ensureSynced } from "./access";
import { announceTo } from "./announce";
import { screenBatch } from "./before-send";
import { CountFlush } from "./count-flush";
import { conversationDb, sqlHost } from "./db";
import { Fanout, type Outgoing, SMALL_GROUP_LIMIT } from "./fanout";
import { IDEMPOTENCY_WINDOW, type IdempotencyWindow } from "./idempotency";
import { MemberCopy } from "./members";
import { lastRowOf, MessageStore, rowToMessage } from "./message-store";
import { Presence } from "./presence";
import { ReadPositions } from "./reads";
import { type SearchQuery, type SearchReply, searchFor } from "./search";
import { INDEX_AT_START } from "./search-index";
import { loadKeys, storeOne } from "./send";
import { fail } from "./send-rules";
import { SenderCards } from "./sender-cards";
import { Bookkeeping, openStorage } from "./storage";
import { type LastRow, summaryOf } from "./summary";

export type { ConversationMember, MemberSnapshot, PrivateSnapshot, SendInput } from "../../domain/messaging-types";
export { IDEMPOTENCY_WINDOW, SMALL_GROUP_LIMIT };

type Refusal = { ok: false; code: number; message: string };
const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * One per conversation (`conv:<id>`). Holds the conversation's member list (a copy of D1's
 * truth, replaced wholesale by `syncMembers`/`syncPrivate` so it can never drift), its
 * messages, the sequence counter, the idempotency keys and every member's read position.
 * A message is one row in `messages` (its idempotency key a column of it), one commit; its FTS
 * entry follows in a batch (search-index.ts), the sender's read position and the stats count in
 * the periodic flush (count-flush.ts). This class is the lifecycle and the RPC surface; each
 * concern is a module beside it.
 */
export class Conversation extends DurableObject<Bindings> {
	/** Every module reaches storage through `host`, i.e. this field, so a test can watch the statements. */
	protected sql: SqlStorage;
	private readonly host = sqlHost(this);
	private readonly db = conversationDb(this.ctx.storage, this.host);
	private readonly bookkeeping = new Bookkeeping(this.db);
	private readonly store = new MessageStore(this.db);
	private readonly members_ = new MemberCopy(this.db);
	private readonly reads = new ReadPositions(this.db);
	private readonly presence = new Presence(this.db);
	private readonly cards = new SenderCards(this.env);
	private readonly peers = new PeerStubs(this.env);
	private readonly flush: CountFlush;
	private readonly fanout: Fanout;
	/** The keys of the last IDEMPOTENCY_WINDOW messages; null until a send carries a localId. */
	private localIds: IdempotencyWindow | null = null;

	constructor(ctx: DurableObjectState, env: Bindings) {
		super(ctx, env);
		this.sql = ctx.storage.sql;
		this.flush = new CountFlush(ctx, env, this.host, this.store, this.reads, this.bookkeeping);
		this.fanout = new Fanout(
			ctx,
			env,
			this.peers,
			this.members_,
			this.presence,
			this.cards,
			(kind, convId, userId, last) => this.summaryOf(kind, convId, userId, last),
		);
		ctx.blockConcurrencyWhile(async () => {
			await openStorage(ctx.storage, this.db, this.bookkeeping);
			this.store.load();
			this.fanout.deliveredSeq = this.store.lastSeq;
			this.reads.load(this.store, this.flush.load());
			await this.flush.resume();
		});
	}

	async alarm(): Promise<void> {
		// Every send arms this alarm: messages short of an index batch are indexed here (a failure only logged).
		this.store.indexLogged(INDEX_AT_START);
		await this.flush.run();
	}

	// ---- member copy (kept in sync by workers/services/conversation-sync.ts) ----

	/** Replaces the member copy with D1's current truth (see workers/services/conversation-sync.ts). */
	async syncMembers(snapshot: MemberSnapshot): Promise<void> {
		this.replaceCopy(
			snapshot.members,
			{
				kind: "group",
				groupId: snapshot.groupId,
				conversationId: snapshot.groupId,
				groupMuted: snapshot.groupMuted ? "1" : "0",
				dissolved: snapshot.dissolved ? "1" : "0",
			},
			snapshot.members.map((m) => m.userId),
		);
	}

	/** Records the two users of a private conversation and whether they may chat (see conversation-sync.ts). */
	async syncPrivate(snapshot: PrivateSnapshot): Promise<void> {
		this.replaceCopy(
			snapshot.users.map((userId) => ({ userId, role: "member" as const, muted: false })),
			{ kind: "private", conversationId: snapshot.conversationId, privateCode: String(snapshot.code) },
			snapshot.users,
		);
	}

	private replaceCopy(
		members: { userId: string; role: "owner" | "admin" | "member"; muted: boolean }[],
		meta: Record<string, string>,
		userIds: string[],
	): void {
		let joined: string[] = [];
		this.ctx.storage.transactionSync(() => {
			this.members_.replace(members);
			this.presence.keepOnly(new Set(userIds));
			for (const [k, v] of Object.entries(meta)) this.members_.setMeta(k, v);
			joined = this.reads.seed(userIds, this.store.lastSeq);
		});
		this.members_.invalidate();
		this.announce(joined);
	}

	async members() {
		return [...this.members_.map().values()].sort((a, b) => (a.userId < b.userId ? -1 : 1));
	}

	/** A group's members with a live socket (presence.ts), whom its events reach when large; null if not a group. */
	async onlineMembers(conversationId: string): Promise<string[] | null> {
		return (await this.ensureSynced(conversationId)) === "group" ? this.presence.list() : null;
	}

	/**
	 * New members' hubs record the conversation now, at join time, in the background (announce.ts):
	 * the one write a conversation costs a hub, so the first message to a 1,000-member group does
	 * not cost 1,000 hub commits.
	 */
	private announce(userIds: string[]): void {
		const kind = this.members_.kind();
		const convId = this.members_.getMeta("conversationId");
		if (!userIds.length || !kind || !convId) return;
		const last = this.store.last();
		const track = (id: string) => hubFor(this.env, id).track(id, this.summaryOf(kind, convId, id, last));
		this.ctx.waitUntil(announceTo(userIds, track));
	}

	private ensureSynced = (conversationId: string): Promise<ConversationKind | null> =>
		ensureSynced(this.env, this.members_, this, conversationId);

	private async access(conversationId: string, userId: string): Promise<Access> {
		return accessOf(await this.ensureSynced(conversationId), this.members_, conversationId, userId);
	}

	// ---- sending ----

	async send(input: SendInput, requestId?: string): Promise<SendResult> {
		return (await this.sendBatch([input], { requestId }))[0]!;
	}

	/**
	 * Stores several messages of one sender in one commit, in the given order (a device's
	 * pipelined sends, see UserHub.onSend); each gets its own result. The checks and stores run
	 * with no await in between, so concurrent senders interleave only between batches.
	 */
	async sendBatch(inputs: SendInput[], opts: { echo?: boolean; requestId?: string } = {}): Promise<SendResult[]> {
		const receivedAt = Date.now();
		const first = inputs[0];
		if (!first) return [];
		const convId = first.conversationId;
		const kind = await this.ensureSynced(convId);
		if (!kind) return inputs.map(() => fail(SendCodes.ConversationNotFound, "conversation not found"));
		// Loaded before the synchronous part below, so the check-and-store step has no await in it.
		const card = await this.cards.fetch(first.senderId);
		const keys = () => {
			if (!this.localIds && inputs.some((i) => i.localId)) this.localIds = loadKeys(this.store, kind);
			return this.localIds;
		};
		// Asked before the commit, outside it: other senders' batches go on while a hook answers.
		const screened = await screenBatch(this.env, kind, inputs, this.store, this.members_, keys);
		const window = keys();
		const seqBefore = this.store.lastSeq;
		const stored: Outgoing[] = [];
		let results: SendResult[] = [];
		try {
			this.ctx.storage.transactionSync(() => {
				results = inputs.map((input, i) =>
					storeOne(this.store, this.members_, window, kind, input, stored, screened[i]),
				);
			});
		} catch (e) {
			this.store.lastSeq = seqBefore;
			// Keys of the rolled-back rows may be in the window: rebuild it from storage when next needed.
			this.localIds = null;
			throw e;
		}
		if (stored.length) {
			this.flush.arm();
			for (const m of stored) this.reads.noteSent(m.message.senderId, m.message.sequence);
			this.cards.keep(first.senderId, card);
			if (opts.echo && seqBefore === this.fanout.deliveredSeq) {
				const last = stored[stored.length - 1]!.message;
				this.fanout.echo(stored, results, this.summaryOf(kind, last.conversationId, last.senderId, lastRowOf(last)));
			}
			this.fanout.push(stored, { requestId: opts.requestId, receivedAt });
			this.store.indexWhenDue();
		}
		return results;
	}

	// ---- summaries for the members' hubs ----

	private summaryOf(
		kind: ConversationKind,
		convId: string,
		userId: string,
		last: LastRow | undefined = this.store.last(),
	) {
		return summaryOf(kind, convId, userId, last, this.store.lastSeq, this.reads.get(userId));
	}

	/**
	 * A member's hub reports whether the member has a live socket (presence.ts); coming online,
	 * it gets the member's current row back. Null for a non-member or a conversation without messages.
	 */
	async setOnline(conversationId: string, userId: string, isOnline: boolean): Promise<ConversationSummary | null> {
		const access = await this.access(conversationId, userId);
		if (access.ok && access.kind === "group") this.presence.mark(userId, isOnline);
		if (!access.ok || !isOnline || this.store.lastSeq === 0) return null;
		return this.summaryOf(access.kind, conversationId, userId);
	}

	/** The member's conversation-list row, for hubs rebuilding their index; null if not a participant. */
	async summaryFor(conversationId: string, userId: string): Promise<ConversationSummary | null> {
		const access = await this.access(conversationId, userId);
		if (!access.ok || this.store.lastSeq === 0) return null;
		return this.summaryOf(access.kind, conversationId, userId);
	}

	// ---- reading ----

	/**
	 * History for a participant, without the messages they deleted for themselves. With only
	 * `after`: ascending from there; otherwise newest first, below `before` when given.
	 */
	async history(
		conversationId: string,
		userId: string,
		q: { before?: number; after?: number; limit: number },
	): Promise<{ ok: true; list: MessageData[]; hasMore: boolean } | Refusal> {
		const access = await this.access(conversationId, userId);
		if (!access.ok) return access;
		const rows = this.store.page(userId, q, q.after !== undefined && q.before === undefined);
		return {
			ok: true,
			list: rows.slice(0, q.limit).map((r) => rowToMessage(conversationId, access.kind, r)),
			hasMore: rows.length > q.limit,
		};
	}

	/** Messages after `lastSeq`, ascending, recalled ones included (status 1): for /sync. */
	async messagesAfter(
		conversationId: string,
		userId: string,
		lastSeq: number,
		limit: number,
	): Promise<{ kind: ConversationKind; messages: MessageData[]; hasMore: boolean } | null> {
		const res = await this.history(conversationId, userId, { after: lastSeq, limit });
		if (!res.ok) return null;
		return { kind: this.members_.kind() as ConversationKind, messages: res.list, hasMore: res.hasMore };
	}

	async getMessage(
		conversationId: string,
		userId: string,
		messageId: string,
	): Promise<{ ok: true; message: MessageData } | Refusal> {
		const access = await this.access(conversationId, userId);
		if (!access.ok) return access;
		const row = this.store.visible(userId, messageId);
		if (!row) return fail(SendCodes.MessageNotFound, "message not found");
		return { ok: true, message: rowToMessage(conversationId, access.kind, row) };
	}

	/** A participant's full-text search, newest first (search.ts). */
	async search(conversationId: string, userId: string, q: SearchQuery): Promise<SearchReply> {
		return searchFor(await this.access(conversationId, userId), this.store, conversationId, userId, q);
	}

	// ---- recall, delete-for-me ----

	/**
	 * Sender within the recall window (admin setting `message.max_recall`, read through the
	 * config cache so a change applies without a redeploy); group owner/admin any time. Keeps
	 * the sequence, drops the content.
	 */
	async recall(
		conversationId: string,
		userId: string,
		messageId: string,
	): Promise<{ ok: true; recalledAt: number } | Refusal> {
		const access = await this.access(conversationId, userId);
		if (!access.ok) return access;
		const recallWindow = await getConfigValue(this.env, "message.max_recall");
		const row = this.store.visible(userId, messageId);
		if (!row) return fail(SendCodes.MessageNotFound, "message not found");
		const t = nowSeconds();
		const role = this.members_.map().get(userId)?.role;
		const moderator = access.kind === "group" && (role === "owner" || role === "admin");
		if (!moderator) {
			if (row.senderId !== userId) return fail(50106, "only the sender may recall this message");
			if (row.status !== 1 && t - row.createdAt > recallWindow)
				return fail(50104, `messages can only be recalled within ${recallWindow} seconds`);
		}
		// Already recalled: nothing changes and nothing is announced again.
		if (row.status === 1) return { ok: true, recalledAt: t };
		this.store.markRecalled(row.seq);
		const members = this.members_.ids();
		const recalled = { messageId, conversationId, conversationType: access.kind, sequence: row.seq, recalledAt: t };
		await notify(this.env, members, "message.recalled", { ...recalled, operatorId: userId });
		await emitWebhookEvent(this.env, "message.recalled", { ...recalled, operatorId: userId });
		// The list preview of everyone changes if the last message was the one recalled.
		if (row.seq === this.store.lastSeq) {
			await Promise.allSettled(
				members.map((m) => hubFor(this.env, m).applyMessages(m, this.summaryOf(access.kind, conversationId, m), [])),
			);
		}
		return { ok: true, recalledAt: t };
	}

	async hide(conversationId: string, userId: string, messageId: string): Promise<{ ok: true } | Refusal> {
		const access = await this.access(conversationId, userId);
		if (!access.ok) return access;
		const row = this.store.visible(userId, messageId);
		if (!row) return fail(SendCodes.MessageNotFound, "message not found");
		this.store.hide(userId, row.seq);
		return { ok: true };
	}

	// ---- read positions and typing ----

	/**
	 * Records how far `userId` has read (never backwards; default the latest), tells the other
	 * members (private always; groups up to SMALL_GROUP_LIMIT) and the reader's other devices.
	 */
	async markRead(
		conversationId: string,
		userId: string,
		deviceId: string,
		lastReadSeq: number | undefined,
	): Promise<{ ok: true; lastReadSeq: number; unreadCount: number; totalUnread: number } | Refusal> {
		const access = await this.access(conversationId, userId);
		if (!access.ok) return access;
		const lastSeq = this.store.lastSeq;
		const current = this.reads.get(userId);
		const target = Math.max(current, Math.min(lastReadSeq ?? lastSeq, lastSeq));
		if (target !== current) {
			this.reads.set(userId, target);
			const others = this.members_.ids().filter((m) => m !== userId);
			if (access.kind === "private" || this.members_.map().size <= SMALL_GROUP_LIMIT) {
				await notify(this.env, others, "message.read_receipt", {
					conversationId,
					conversationType: access.kind,
					userId,
					lastReadSeq: target,
					readAt: nowSeconds(),
				});
			}
		}
		const unread = await hubFor(this.env, userId).applyRead(
			userId,
			this.summaryOf(access.kind, conversationId, userId),
			deviceId,
		);
		return { ok: true, lastReadSeq: target, ...unread };
	}

	async typing(conversationId: string, userId: string, typing: boolean): Promise<Access> {
		const access = await this.access(conversationId, userId);
		if (!access.ok) return access;
		const members = this.members_.map();
		if (access.kind === "group" && members.size > SMALL_GROUP_LIMIT) return access;
		const others = [...members.keys()].filter((m) => m !== userId);
		await notify(this.env, others, "message.typing", { conversationId, conversationType: access.kind, userId, typing });
		return access;
	}
}
