import { DurableObject } from "cloudflare:workers";
import { isPrivateConversationId, privatePeers } from "../contracts/ids";
import { MAX_CONTENT_BYTES, type MessageData, SendCodes, type SendMessageInput } from "../contracts/messages";
import type { Bindings } from "../workers/env";
import { enqueuePush, type PushJob, pushJob } from "../workers/push/jobs";
import { loadGroupSnapshot, loadPrivateSnapshot } from "../workers/services/conversation-sync";
import { mayReferenceFiles, recordFileReferences } from "../workers/services/files";
import { hubFor, PeerStubs } from "../workers/services/hubs";
import {
	newMessageId,
	previewOf,
	resolveContentType,
	sequenceOfMessageId,
	utf8Length,
} from "../workers/services/message-format";
import { notificationFrame, notify } from "../workers/services/notify";
import { addMessageCounts, utcDay } from "../workers/services/stats";
import { getConfigValue } from "../workers/services/system-config";
import { IDEMPOTENCY_WINDOW, IdempotencyWindow, type KeyedRow, payloadFingerprint } from "./idempotency";
import {
	COUNT_FLUSH_JITTER_MS,
	COUNT_FLUSH_MS,
	type ConversationKind,
	type ConversationSummary,
	type FanoutMessage,
	type MessageNewData,
	type SendResult,
} from "./messaging-types";

export interface ConversationMember {
	userId: string;
	role: "owner" | "admin" | "member";
	muted: boolean;
}

export interface MemberSnapshot {
	groupId: string;
	members: ConversationMember[];
	groupMuted: boolean;
	dissolved: boolean;
}

export interface PrivateSnapshot {
	conversationId: string;
	users: [string, string];
	/** 0 when the pair may chat, else the business code a send is refused with (30114/30117). */
	code: number;
}

/** Read receipts and typing go to every member only in groups up to this size. */
export const SMALL_GROUP_LIMIT = 100;
/** Sender cards (nickname/avatar) are re-read from D1 at most this often per sender. */
const CARD_TTL_MS = 5 * 60 * 1000;

export { IDEMPOTENCY_WINDOW };

/** Storage layout version (the `bookkeeping` table); see migrate(). */
const SCHEMA_VERSION = 3;

type MessageRow = {
	seq: number;
	message_id: string;
	sender_id: string;
	content_type: string;
	content: string;
	reply_to: string;
	at_users: string;
	status: number;
	created_at: number;
	local_id: string;
	device_id: string;
	fingerprint: string;
};

/** A stored message on its way to the members' hubs. */
type Outgoing = {
	message: MessageData;
	originDevice: string | null;
	preview: string;
	/** Built once: at the send when echoed, else in the fan-out. */
	frames?: { frame: string; mentionFrame: string | null };
	/** The sender's hub delivered it to the sender's other devices already. */
	echoed?: boolean;
};

export interface SendInput extends SendMessageInput {
	senderId: string;
	/** The device the message came from; it gets the ack instead of `message.new`. */
	originDevice: string | null;
}

type Access = { ok: true; kind: ConversationKind } | { ok: false; code: number; message: string };

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * One per conversation (`conv:<id>`). Holds the conversation's member list (a copy of D1's
 * truth, replaced wholesale by `syncMembers`/`syncPrivate` so it can never drift), its
 * messages, the sequence counter, the idempotency keys and every member's read position.
 * A message costs exactly one SQL write here, its row in `messages` (the idempotency key is a
 * column of it); the sender's read position and the admin stats count are derived from the
 * rows by the periodic flush (see flushCounts). Members' hubs are updated in memory.
 */
export class Conversation extends DurableObject<Bindings> {
	protected sql: SqlStorage;
	private lastSeq = 0;
	private membersCache: Map<string, ConversationMember> | null = null;
	private readsCache = new Map<string, number>();
	/** The keys of the last IDEMPOTENCY_WINDOW messages (see idempotency.ts); null until first needed. */
	private localIds: IdempotencyWindow | null = null;
	/** Messages up to this seq are in D1's daily counter and their senders' positions in `reads`. */
	private flushedSeq = 0;
	/** An object migrated from schema 1 may still hold counts in `uncounted` until its next flush. */
	private legacyUncounted = false;
	/** Meta of a lazily loaded refusal, never stored (see ensureSynced); a sync replaces it. */
	private volatileMeta = new Map<string, string>();
	private metaCache: Map<string, string> | null = null;
	private cards = new Map<string, { nickname: string; avatar: string; at: number }>();
	private outbox: Outgoing[] = [];
	private readonly peers = new PeerStubs(this.env);
	/** The highest sequence whose fan-out to every member's hub has finished (or given up). */
	private deliveredSeq = 0;
	private draining: Promise<void> | null = null;
	/** Whether the alarm that runs flushCounts is set (known after start-up). */
	private countFlushArmed = false;

	constructor(ctx: DurableObjectState, env: Bindings) {
		super(ctx, env);
		this.sql = ctx.storage.sql;
		ctx.blockConcurrencyWhile(async () => {
			this.migrate();
			this.load();
			this.countFlushArmed = (await ctx.storage.getAlarm()) !== null;
			// Unflushed messages always have an alarm (set with the first of them); this only
			// re-arms one that was lost, e.g. by a flush that gave up.
			if (!this.countFlushArmed && (this.lastSeq > this.flushedSeq || this.legacyUncounted)) this.armCountFlush();
		});
	}

	/**
	 * Creates or upgrades the storage layout, once per version (recorded in `bookkeeping`), in
	 * one transaction so a failure leaves the old layout whole.
	 * - 2: the idempotency key is a column of `messages` (was the `local_ids` table), the
	 *   message ID is no longer UNIQUE (lookups go through the seq inside the ID), and the
	 *   sender's read position and the stats count are derived by the flush (was a `reads`
	 *   upsert and an `uncounted` upsert per message).
	 * - 3: each message records the device it came from and the fingerprint of its payload, so
	 *   a retry is the same sender, device, localId and payload (see idempotency.ts).
	 */
	protected migrate(): void {
		this.sql.exec(`CREATE TABLE IF NOT EXISTS bookkeeping (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`);
		const version = this.bookkeeping("schema_version");
		if (version >= SCHEMA_VERSION) return;
		this.ctx.storage.transactionSync(() => {
			const hasMessages = this.sql
				.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'messages'")
				.toArray().length;
			if (hasMessages && version < 2) this.migrateFromV1();
			if (hasMessages) this.migrateFromV2();
			else
				this.sql.exec(`CREATE TABLE messages (
					seq INTEGER PRIMARY KEY,
					message_id TEXT NOT NULL,
					sender_id TEXT NOT NULL,
					content_type TEXT NOT NULL,
					content TEXT NOT NULL,
					reply_to TEXT NOT NULL DEFAULT '',
					at_users TEXT NOT NULL DEFAULT '[]',
					status INTEGER NOT NULL DEFAULT 0,
					created_at INTEGER NOT NULL,
					local_id TEXT NOT NULL DEFAULT '',
					device_id TEXT NOT NULL DEFAULT '',
					fingerprint TEXT NOT NULL DEFAULT ''
				)`);
			this.sql.exec(`CREATE TABLE IF NOT EXISTS members (
				user_id TEXT PRIMARY KEY,
				role TEXT NOT NULL,
				muted INTEGER NOT NULL DEFAULT 0
			)`);
			this.sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
			this.sql.exec(`CREATE TABLE IF NOT EXISTS reads (user_id TEXT PRIMARY KEY, read_seq INTEGER NOT NULL)`);
			this.sql.exec(`CREATE TABLE IF NOT EXISTS hidden (
				user_id TEXT NOT NULL,
				seq INTEGER NOT NULL,
				PRIMARY KEY (user_id, seq)
			)`);
			this.setBookkeeping("schema_version", SCHEMA_VERSION);
		});
	}

	/**
	 * Schema 1 → 2 for objects that hold data. Every message of a v1 object was already counted
	 * (in D1 or in `uncounted`, which the next flush adds and drops) and its sender's position
	 * written to `reads`, so the flush checkpoint starts at the last message. The v1 UNIQUE
	 * index on message_id stays: SQLite cannot drop an autoindex short of rebuilding the table,
	 * and it costs old objects only what it always cost them.
	 */
	private migrateFromV1(): void {
		this.sql.exec("ALTER TABLE messages ADD COLUMN local_id TEXT NOT NULL DEFAULT ''");
		const hasLocalIds = this.sql
			.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'local_ids'")
			.toArray().length;
		if (hasLocalIds) {
			this.sql.exec(
				"UPDATE messages SET local_id = l.local_id FROM local_ids l WHERE l.seq = messages.seq AND l.sender_id = messages.sender_id",
			);
			this.sql.exec("DROP TABLE local_ids");
		}
		const last = this.sql.exec<{ s: number | null }>("SELECT MAX(seq) AS s FROM messages").one().s ?? 0;
		this.setBookkeeping("flushed_seq", last);
	}

	/** Schema 2 → 3: older rows keep '' in both (see IdempotencyWindow.load for how they match). */
	private migrateFromV2(): void {
		this.sql.exec("ALTER TABLE messages ADD COLUMN device_id TEXT NOT NULL DEFAULT ''");
		this.sql.exec("ALTER TABLE messages ADD COLUMN fingerprint TEXT NOT NULL DEFAULT ''");
	}

	/** In-memory state from storage: last seq, read positions (the flushed ones plus what the flush has not written yet). */
	private load(): void {
		this.lastSeq = this.sql.exec<{ s: number | null }>("SELECT MAX(seq) AS s FROM messages").one().s ?? 0;
		this.deliveredSeq = this.lastSeq;
		this.flushedSeq = this.bookkeeping("flushed_seq");
		this.legacyUncounted =
			this.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'uncounted'").toArray().length > 0;
		for (const r of this.sql.exec<{ user_id: string; read_seq: number }>("SELECT user_id, read_seq FROM reads")) {
			this.readsCache.set(r.user_id, r.read_seq);
		}
		// A sender has read up to their own last message; `reads` knows it only up to the last flush.
		for (const r of this.sql.exec<{ sender_id: string; s: number }>(
			"SELECT sender_id, MAX(seq) AS s FROM messages WHERE seq > ? GROUP BY sender_id",
			this.flushedSeq,
		)) {
			this.readsCache.set(r.sender_id, Math.max(this.readsCache.get(r.sender_id) ?? 0, r.s));
		}
	}

	private bookkeeping(key: string): number {
		return (
			this.sql.exec<{ value: number }>("SELECT value FROM bookkeeping WHERE key = ?", key).toArray()[0]?.value ?? 0
		);
	}

	private setBookkeeping(key: string, value: number): void {
		this.sql.exec(
			"INSERT INTO bookkeeping (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
			key,
			value,
		);
	}

	// ---- member copy (kept in sync by workers/services/conversation-sync.ts) ----

	/** Replaces the member copy with D1's current truth (see workers/services/conversation-sync.ts). */
	async syncMembers(snapshot: MemberSnapshot): Promise<void> {
		let joined: string[] = [];
		this.ctx.storage.transactionSync(() => {
			this.sql.exec("DELETE FROM members");
			for (const m of snapshot.members) {
				this.sql.exec("INSERT INTO members (user_id, role, muted) VALUES (?, ?, ?)", m.userId, m.role, m.muted ? 1 : 0);
			}
			this.setMeta("kind", "group");
			this.setMeta("groupId", snapshot.groupId);
			this.setMeta("conversationId", snapshot.groupId);
			this.setMeta("groupMuted", snapshot.groupMuted ? "1" : "0");
			this.setMeta("dissolved", snapshot.dissolved ? "1" : "0");
			joined = this.seedReads(snapshot.members.map((m) => m.userId));
		});
		this.membersCache = null;
		this.metaCache = null;
		this.volatileMeta.clear();
		this.announce(joined);
	}

	/** Records the two users of a private conversation and whether they may chat (see conversation-sync.ts). */
	async syncPrivate(snapshot: PrivateSnapshot): Promise<void> {
		let joined: string[] = [];
		this.ctx.storage.transactionSync(() => {
			this.sql.exec("DELETE FROM members");
			for (const userId of snapshot.users) {
				this.sql.exec("INSERT INTO members (user_id, role, muted) VALUES (?, 'member', 0)", userId);
			}
			this.setMeta("kind", "private");
			this.setMeta("conversationId", snapshot.conversationId);
			this.setMeta("privateCode", String(snapshot.code));
			joined = this.seedReads(snapshot.users);
		});
		this.membersCache = null;
		this.metaCache = null;
		this.volatileMeta.clear();
		this.announce(joined);
	}

	async members(): Promise<ConversationMember[]> {
		return [...this.memberMap().values()].sort((a, b) => (a.userId < b.userId ? -1 : 1));
	}

	/** A member who joins later starts with everything before them read. */
	private seedReads(userIds: string[]): string[] {
		const added: string[] = [];
		for (const id of userIds) {
			if (this.readsCache.has(id)) continue;
			this.sql.exec("INSERT OR IGNORE INTO reads (user_id, read_seq) VALUES (?, ?)", id, this.lastSeq);
			this.readsCache.set(id, this.lastSeq);
			added.push(id);
		}
		return added;
	}

	/**
	 * New members' hubs record the conversation now, at join time, in the background: that is
	 * the one write a conversation costs a hub, so the first message to a 1,000-member group
	 * does not cost 1,000 hub commits (a hub that missed this writes it on its first message).
	 */
	private announce(userIds: string[]): void {
		const kind = this.getMeta("kind") as ConversationKind | null;
		const convId = this.getMeta("conversationId");
		if (!userIds.length || !kind || !convId) return;
		const last = this.lastRow();
		this.ctx.waitUntil(
			Promise.allSettled(
				userIds.map((id) => hubFor(this.env, id).track(id, this.summaryOf(kind, convId, id, last))),
			).then(() => {}),
		);
	}

	private memberMap(): Map<string, ConversationMember> {
		if (!this.membersCache) {
			this.membersCache = new Map(
				this.sql
					.exec<{ user_id: string; role: string; muted: number }>("SELECT user_id, role, muted FROM members")
					.toArray()
					.map((r) => [
						r.user_id,
						{ userId: r.user_id, role: r.role as ConversationMember["role"], muted: r.muted === 1 },
					]),
			);
		}
		return this.membersCache;
	}

	/**
	 * A conversation whose copy was never synced (e.g. friends made before this object existed)
	 * loads D1's truth once, here; a pair that may chat and a live group are stored like a sync
	 * would store them, later changes arrive through the sync hooks. Refusals (strangers, unknown
	 * or dissolved groups) are kept in memory only, so probing IDs writes nothing.
	 */
	private async ensureSynced(conversationId: string): Promise<ConversationKind | null> {
		const kind = this.getMeta("kind") as ConversationKind | null;
		if (kind) return kind;
		if (isPrivateConversationId(conversationId)) {
			const peers = privatePeers(conversationId);
			if (!peers || peers[0] === peers[1]) return null;
			const snapshot = await loadPrivateSnapshot(this.env, peers[0], peers[1]);
			if (this.getMeta("kind")) return this.getMeta("kind") as ConversationKind;
			if (snapshot.code === 0) await this.syncPrivate(snapshot);
			else {
				this.volatileMeta = new Map([
					["kind", "private"],
					["privateCode", String(snapshot.code)],
				]);
				this.membersCache = new Map(snapshot.users.map((userId) => [userId, { userId, role: "member", muted: false }]));
			}
		} else {
			const snapshot = await loadGroupSnapshot(this.env, conversationId);
			if (this.getMeta("kind")) return this.getMeta("kind") as ConversationKind;
			if (!snapshot.dissolved) await this.syncMembers(snapshot);
			else {
				this.volatileMeta = new Map([
					["kind", "group"],
					["dissolved", "1"],
				]);
				this.membersCache = new Map();
			}
		}
		return this.getMeta("kind") as ConversationKind;
	}

	/** May `userId` read this conversation? Private: one of the pair; group: a current member. */
	private async access(conversationId: string, userId: string): Promise<Access> {
		const kind = await this.ensureSynced(conversationId);
		if (!kind) return { ok: false, code: SendCodes.ConversationNotFound, message: "conversation not found" };
		if (kind === "private") {
			const peers = privatePeers(conversationId);
			if (!peers?.includes(userId)) return { ok: false, code: 403, message: "not a participant of this conversation" };
			return { ok: true, kind };
		}
		if (this.getMeta("dissolved") === "1")
			return { ok: false, code: SendCodes.GroupNotFound, message: "group not found" };
		if (!this.memberMap().has(userId))
			return { ok: false, code: SendCodes.NotGroupMember, message: "not a group member" };
		return { ok: true, kind };
	}

	private targetFor(kind: ConversationKind, conversationId: string, userId: string): string {
		if (kind === "group") return conversationId;
		const peers = privatePeers(conversationId);
		return peers ? (peers[0] === userId ? peers[1] : peers[0]) : "";
	}

	// ---- sending ----

	async send(input: SendInput): Promise<SendResult> {
		return (await this.sendBatch([input]))[0]!;
	}

	/**
	 * Stores several messages of one sender in one commit, in the given order (a device's
	 * pipelined sends, see UserHub.onSend); each gets its own result. The checks and stores run
	 * with no await in between, so concurrent senders interleave only between batches.
	 */
	async sendBatch(inputs: SendInput[], opts: { echo?: boolean } = {}): Promise<SendResult[]> {
		const first = inputs[0];
		if (!first) return [];
		const convId = first.conversationId;
		const kind = await this.ensureSynced(convId);
		if (!kind) return inputs.map(() => fail(SendCodes.ConversationNotFound, "conversation not found"));
		// Loaded before the synchronous part below, so the check-and-store step has no await in it.
		const card = await this.senderCard(first.senderId);
		if (inputs.some((i) => i.localId)) this.loadLocalIds(kind);
		const seqBefore = this.lastSeq;
		const stored: Outgoing[] = [];
		let results: SendResult[] = [];
		try {
			this.ctx.storage.transactionSync(() => {
				results = inputs.map((input) => this.storeOne(kind, input, stored));
			});
		} catch (e) {
			this.lastSeq = seqBefore;
			// Keys of the rolled-back rows may be in the map: rebuild it from storage when next needed.
			this.localIds = null;
			throw e;
		}
		if (stored.length) {
			this.armCountFlush();
			for (const m of stored) this.readsCache.set(m.message.senderId, m.message.sequence);
			this.cards.set(first.senderId, card);
			if (opts.echo && seqBefore === this.deliveredSeq) this.echo(kind, stored, results);
			this.outbox.push(...stored);
			this.startDrain();
		}
		return results;
	}

	/**
	 * The sender's hub (which asked, and holds the sender's sockets) delivers these messages to
	 * the sender's other devices with the acks, so the fan-out spares that hub a call — in a
	 * private chat, one of a message's two. Only when every earlier message has reached every
	 * hub, so those devices still see the conversation in sequence order.
	 */
	private echo(kind: ConversationKind, stored: Outgoing[], results: SendResult[]): void {
		const last = stored[stored.length - 1]!.message;
		const summary = this.summaryOf(kind, last.conversationId, last.senderId, lastRowOf(last));
		const bySeq = new Map(stored.map((o) => [o.message.sequence, o]));
		for (const r of results) {
			if (!r.ok || r.duplicate) continue;
			const o = bySeq.get(r.ack.sequence);
			if (!o) continue;
			o.frames = this.framesOf(o);
			o.echoed = true;
			r.echo = { frame: o.frames.frame, summary };
		}
	}

	/** Checks and stores one message inside the batch's transaction; appends it to `stored`. */
	private storeOne(kind: ConversationKind, input: SendInput, stored: Outgoing[]): SendResult {
		const convId = input.conversationId;
		if (kind !== input.conversationType)
			return fail(SendCodes.BadInput, `conversationType must be ${kind} for this conversation`);
		// A retry of an accepted message (same sender, device, localId and payload) returns the
		// original ack, whatever changed since. Only a retry reads storage (for its ack); the rows
		// of this batch are visible here too.
		const deviceId = input.originDevice ?? "";
		const fingerprint = input.localId ? fingerprintOf(kind, input) : "";
		const priorSeq = input.localId
			? this.localIds?.find(input.senderId, deviceId, input.localId, fingerprint, this.lastSeq)
			: undefined;
		if (priorSeq !== undefined) {
			const prior = this.sql.exec<MessageRow>("SELECT * FROM messages WHERE seq = ?", priorSeq).one();
			return { ok: true, duplicate: true, ack: ackOf(convId, prior, input.localId) };
		}

		const refused = this.checkSender(kind, input.senderId);
		if (refused) return refused;
		const contentType = resolveContentType(input.contentType);
		if (!contentType) return fail(SendCodes.BadInput, "contentType is not a known content type");
		if (input.content.length === 0) return fail(SendCodes.BadInput, "content must not be empty");
		if (utf8Length(input.content) > MAX_CONTENT_BYTES)
			return fail(SendCodes.TooLarge, `content is larger than ${MAX_CONTENT_BYTES} bytes`);
		if (input.replyTo && !this.rowOf(input.replyTo))
			return fail(SendCodes.MessageNotFound, "replyTo names no message of this conversation");
		const atUsers = [...new Set(input.atUsers)];
		const members = this.memberMap();
		const stranger = atUsers.find((u) => !members.has(u));
		if (stranger !== undefined) return fail(SendCodes.BadInput, "atUsers must name members of the conversation");

		const createdAt = nowSeconds();
		const seq = this.lastSeq + 1;
		const messageId = newMessageId(convId, seq);
		// The one write of a send. The sender's read position and the stats count follow from
		// this row (see flushCounts); the idempotency key is its local_id, device_id and fingerprint.
		this.sql.exec(
			`INSERT INTO messages (seq, message_id, sender_id, content_type, content, reply_to, at_users, status, created_at, local_id, device_id, fingerprint)
			 VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
			seq,
			messageId,
			input.senderId,
			contentType,
			input.content,
			input.replyTo,
			JSON.stringify(atUsers),
			createdAt,
			input.localId,
			input.localId ? deviceId : "",
			fingerprint,
		);
		this.lastSeq = seq;
		if (input.localId) this.localIds?.remember(input.senderId, deviceId, input.localId, fingerprint, seq);

		const message: MessageData = {
			messageId,
			conversationId: convId,
			conversationType: kind,
			senderId: input.senderId,
			contentType,
			content: input.content,
			sequence: seq,
			status: 0,
			replyTo: input.replyTo,
			atUsers,
			createdAt,
			timestamp: createdAt,
		};
		stored.push({ message, originDevice: input.originDevice, preview: previewOf(contentType, input.content) });
		return {
			ok: true,
			duplicate: false,
			ack: { messageId, conversationId: convId, sequence: seq, timestamp: createdAt, localId: input.localId },
		};
	}

	// ---- idempotency keys: the last IDEMPOTENCY_WINDOW messages, in memory ----

	/** One rowid range scan, the first time a send carries a localId after start-up. */
	private loadLocalIds(kind: ConversationKind): void {
		if (this.localIds) return;
		this.localIds = IdempotencyWindow.load(
			this.sql.exec<KeyedRow>(
				"SELECT seq, sender_id, device_id, local_id, fingerprint FROM messages WHERE seq > ? AND local_id != '' ORDER BY seq",
				this.lastSeq - IDEMPOTENCY_WINDOW,
			),
			(seq) => {
				// Rows from before schema 3: the payload as stored (a recalled one no longer matches).
				const r = this.sql.exec<MessageRow>("SELECT * FROM messages WHERE seq = ?", seq).one();
				return payloadFingerprint({
					conversationType: kind,
					contentType: r.content_type,
					content: r.content,
					replyTo: r.reply_to,
					atUsers: JSON.parse(r.at_users) as string[],
				});
			},
		);
	}

	// ---- derived state flush: one D1 write per conversation per COUNT_FLUSH_MS at most ----

	private armCountFlush(): void {
		if (this.countFlushArmed) return;
		this.countFlushArmed = true;
		// Not awaited: part of the same implicit commit as the message itself.
		void this.ctx.storage.setAlarm(Date.now() + COUNT_FLUSH_MS + Math.floor(Math.random() * COUNT_FLUSH_JITTER_MS));
	}

	async alarm(): Promise<void> {
		this.countFlushArmed = false;
		await this.flushCounts();
	}

	/**
	 * Adds the messages stored since the last flush (seq in (flushedSeq, lastSeq]) to D1's daily
	 * counter, per UTC day of their created_at, then in one local transaction moves the
	 * checkpoint and writes the read positions of those messages' senders. Messages sent during
	 * the D1 call are left for the next flush (their send armed the alarm again). The days go to
	 * D1 in one batch; a D1 failure throws, so the alarm is retried and nothing local moves. A
	 * crash after the D1 batch and before the local commit counts that batch twice (the D1
	 * counter has no idempotency key).
	 */
	private async flushCounts(): Promise<void> {
		const from = this.flushedSeq;
		const to = this.lastSeq;
		if (to <= from && !this.legacyUncounted) return;
		const perDay = new Map<string, number>();
		if (this.legacyUncounted) {
			for (const { day, n } of this.sql.exec<{ day: string; n: number }>("SELECT day, n FROM uncounted")) {
				perDay.set(day, (perDay.get(day) ?? 0) + n);
			}
		}
		if (to > from) {
			for (const { d, n } of this.sql.exec<{ d: number; n: number }>(
				"SELECT created_at / 86400 AS d, COUNT(*) AS n FROM messages WHERE seq > ? AND seq <= ? GROUP BY d",
				from,
				to,
			)) {
				const day = utcDay(d * 86400);
				perDay.set(day, (perDay.get(day) ?? 0) + n);
			}
		}
		await addMessageCounts(this.env, perDay);
		this.ctx.storage.transactionSync(() => {
			const senders = this.sql
				.exec<{ sender_id: string; s: number }>(
					"SELECT sender_id, MAX(seq) AS s FROM messages WHERE seq > ? AND seq <= ? GROUP BY sender_id",
					from,
					to,
				)
				.toArray();
			for (const { sender_id, s } of senders) {
				this.sql.exec(
					"INSERT INTO reads (user_id, read_seq) VALUES (?, ?) ON CONFLICT(user_id) DO UPDATE SET read_seq = MAX(read_seq, excluded.read_seq)",
					sender_id,
					Math.max(this.readsCache.get(sender_id) ?? 0, s),
				);
			}
			this.setBookkeeping("flushed_seq", to);
			if (this.legacyUncounted) this.sql.exec("DROP TABLE uncounted");
		});
		this.flushedSeq = to;
		this.legacyUncounted = false;
	}

	private checkSender(kind: ConversationKind, senderId: string): SendResult | null {
		const member = this.memberMap().get(senderId);
		if (kind === "private") {
			if (!member) return fail(SendCodes.ConversationNotFound, "not a participant of this conversation");
			const code = Number(this.getMeta("privateCode") ?? "0");
			if (code === SendCodes.Blocked) return fail(code, "a block exists between the two users");
			if (code !== 0) return fail(SendCodes.NotFriend, "the two users are not friends");
			return null;
		}
		if (this.getMeta("dissolved") === "1") return fail(SendCodes.GroupNotFound, "group not found or dissolved");
		if (!member) return fail(SendCodes.NotGroupMember, "not a group member");
		if (member.muted) return fail(SendCodes.GroupMuted, "you are muted in this group");
		// Owners and admins may still speak while the whole group is muted.
		if (this.getMeta("groupMuted") === "1" && member.role === "member")
			return fail(SendCodes.GroupMuted, "the group is muted");
		return null;
	}

	private async senderCard(userId: string): Promise<{ nickname: string; avatar: string; at: number }> {
		const cached = this.cards.get(userId);
		if (cached && Date.now() - cached.at < CARD_TTL_MS) return cached;
		const row = await this.env.DB.prepare("SELECT nickname, avatar FROM users WHERE id = ?")
			.bind(userId)
			.first<{ nickname: string; avatar: string }>();
		return { nickname: row?.nickname ?? "", avatar: row?.avatar ?? "", at: Date.now() };
	}

	// ---- fan-out: one loop per conversation keeps every member's view in sequence order ----

	private startDrain(): void {
		if (this.draining) return;
		this.draining = this.drain().finally(() => {
			this.draining = null;
		});
		this.ctx.waitUntil(this.draining);
	}

	private async drain(): Promise<void> {
		while (this.outbox.length) {
			const batch = this.outbox.splice(0);
			try {
				await this.fanout(batch);
			} catch (e) {
				console.error("fan-out failed", String(e));
			}
			this.deliveredSeq = Math.max(this.deliveredSeq, batch[batch.length - 1]!.message.sequence);
		}
	}

	/** The `message.new` frame (and `message.mentioned` if it mentions anyone), serialised once per message. */
	private framesOf(b: Outgoing): { frame: string; mentionFrame: string | null } {
		if (b.frames) return b.frames;
		const card = this.cards.get(b.message.senderId);
		const data: MessageNewData = {
			...b.message,
			senderInfo: { userId: b.message.senderId, nickname: card?.nickname ?? "", avatar: card?.avatar ?? "" },
		};
		const mentionFrame = b.message.atUsers.length
			? JSON.stringify(
					notificationFrame("message.mentioned", {
						messageId: data.messageId,
						conversationId: data.conversationId,
						conversationType: data.conversationType,
						fromUserId: data.senderId,
						content: b.preview,
						sequence: data.sequence,
						sentAt: data.createdAt,
					}),
				)
			: null;
		return { frame: JSON.stringify(notificationFrame("message.new", data)), mentionFrame };
	}

	private async fanout(batch: Outgoing[]): Promise<void> {
		await this.shareReferencedFiles(batch.map((b) => b.message));
		const last = batch[batch.length - 1]!.message;
		const convId = last.conversationId;
		const kind = last.conversationType;
		const members = [...this.memberMap().keys()];
		const pushes: PushJob[] = [];
		// Each frame is serialised once per message, not once per member.
		const built = batch.map((b) => ({ ...b, ...this.framesOf(b) }));
		const plain: FanoutMessage[] = built.map((b) => ({
			senderId: b.message.senderId,
			frame: b.frame,
			excludeDevice: null,
			mentionFrame: null,
		}));
		const personal = (userId: string): FanoutMessage[] => {
			if (!built.some((b) => b.message.senderId === userId || b.message.atUsers.includes(userId))) return plain;
			return built
				.filter((b) => !(b.echoed && b.message.senderId === userId))
				.map((b) => ({
					senderId: b.message.senderId,
					frame: b.frame,
					excludeDevice: b.message.senderId === userId ? b.originDevice : null,
					mentionFrame: b.message.atUsers.includes(userId) && b.message.senderId !== userId ? b.mentionFrame : null,
				}));
		};
		// The newest message of the batch is the conversation's last one: no read of it back.
		const lastRow = lastRowOf(last);
		// Unread counts are pushed per member only where a conversation is small (see UserHub.applyMessages).
		const unreadUpdate = kind === "private" || members.length <= SMALL_GROUP_LIMIT;
		await Promise.all(
			members.map(async (userId) => {
				const messages = personal(userId);
				// The sender's hub already has all of these (echoed with the acks).
				if (!messages.length) return;
				try {
					const res = await this.peers
						.hub(userId)
						.applyMessages(userId, this.summaryOf(kind, convId, userId, lastRow), messages, unreadUpdate);
					const incoming = built.filter((b) => b.message.senderId !== userId);
					if (res.reached === 0 && !res.muted && incoming.length) {
						const newest = incoming[incoming.length - 1]!;
						const mentioned = incoming.some((b) => b.message.atUsers.includes(userId));
						pushes.push(
							pushJob(
								userId,
								mentioned ? "message.mentioned" : "message.new",
								newest.preview,
								{ messageId: newest.message.messageId, senderId: newest.message.senderId, conversationType: kind },
								convId,
							),
						);
					}
				} catch (e) {
					this.peers.forgetHub(userId);
					console.error("hub update failed", userId, String(e));
				}
			}),
		);
		if (pushes.length) await enqueuePush(this.env, pushes);
	}

	/**
	 * Files named by a message become readable by the conversation's members (file_shares).
	 * Off the ack path (the drain runs after the commit) and before anyone is told of the
	 * message, so a member can download as soon as `message.new` arrives. Messages that name
	 * no file cost nothing here.
	 */
	private async shareReferencedFiles(messages: MessageData[]): Promise<void> {
		for (const m of messages) {
			if (!mayReferenceFiles(m.content)) continue;
			try {
				await recordFileReferences(this.env, m.conversationId, m.content, m.senderId);
			} catch (e) {
				console.error("file references not recorded", m.messageId, String(e));
			}
		}
	}

	private lastRow(): MessageRow | undefined {
		return this.sql.exec<MessageRow>("SELECT * FROM messages ORDER BY seq DESC LIMIT 1").toArray()[0];
	}

	private summaryOf(
		kind: ConversationKind,
		convId: string,
		userId: string,
		last:
			| Pick<MessageRow, "seq" | "message_id" | "content_type" | "content" | "status" | "created_at">
			| undefined = this.lastRow(),
	): ConversationSummary {
		return {
			conversationId: convId,
			conversationType: kind,
			targetId: this.targetFor(kind, convId, userId),
			lastMessageId: last?.message_id ?? "",
			lastMessageContent: last ? previewOf(last.content_type, last.content, last.status) : "",
			lastMessageTime: last?.created_at ?? 0,
			lastSeq: last?.seq ?? this.lastSeq,
			readSeq: Math.min(this.readsCache.get(userId) ?? 0, last?.seq ?? this.lastSeq),
		};
	}

	/** The member's conversation-list row, for hubs rebuilding their index; null if not a participant. */
	async summaryFor(conversationId: string, userId: string): Promise<ConversationSummary | null> {
		const access = await this.access(conversationId, userId);
		if (!access.ok || this.lastSeq === 0) return null;
		return this.summaryOf(access.kind, conversationId, userId);
	}

	// ---- reading ----

	private rowToMessage(convId: string, kind: ConversationKind, r: MessageRow): MessageData {
		return {
			messageId: r.message_id,
			conversationId: convId,
			conversationType: kind,
			senderId: r.sender_id,
			contentType: r.content_type,
			content: r.content,
			sequence: r.seq,
			status: r.status,
			replyTo: r.reply_to,
			atUsers: JSON.parse(r.at_users) as string[],
			createdAt: r.created_at,
			timestamp: r.created_at,
		};
	}

	/**
	 * History for a participant, without the messages they deleted for themselves. With only
	 * `after`: ascending from there; otherwise newest first, below `before` when given.
	 */
	async history(
		conversationId: string,
		userId: string,
		q: { before?: number; after?: number; limit: number },
	): Promise<{ ok: true; list: MessageData[]; hasMore: boolean } | { ok: false; code: number; message: string }> {
		const access = await this.access(conversationId, userId);
		if (!access.ok) return access;
		const ascending = q.after !== undefined && q.before === undefined;
		const rows = this.sql
			.exec<MessageRow>(
				`SELECT * FROM messages WHERE seq > ? AND seq < ?
				 AND seq NOT IN (SELECT seq FROM hidden WHERE user_id = ?)
				 ORDER BY seq ${ascending ? "ASC" : "DESC"} LIMIT ?`,
				q.after ?? 0,
				q.before ?? Number.MAX_SAFE_INTEGER,
				userId,
				q.limit + 1,
			)
			.toArray();
		const hasMore = rows.length > q.limit;
		return {
			ok: true,
			list: rows.slice(0, q.limit).map((r) => this.rowToMessage(conversationId, access.kind, r)),
			hasMore,
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
		return { kind: this.getMeta("kind") as ConversationKind, messages: res.list, hasMore: res.hasMore };
	}

	async getMessage(
		conversationId: string,
		userId: string,
		messageId: string,
	): Promise<{ ok: true; message: MessageData } | { ok: false; code: number; message: string }> {
		const access = await this.access(conversationId, userId);
		if (!access.ok) return access;
		const row = this.findVisible(userId, messageId);
		if (!row) return fail(SendCodes.MessageNotFound, "message not found");
		return { ok: true, message: this.rowToMessage(conversationId, access.kind, row) };
	}

	/** The message unless `userId` deleted it for themselves; found like rowOf. */
	private findVisible(userId: string, messageId: string): MessageRow | undefined {
		const seq = sequenceOfMessageId(messageId);
		if (seq === null) return undefined;
		return this.sql
			.exec<MessageRow>(
				`SELECT * FROM messages WHERE seq = ? AND message_id = ?
				 AND NOT EXISTS (SELECT 1 FROM hidden WHERE user_id = ? AND seq = messages.seq)`,
				seq,
				messageId,
				userId,
			)
			.toArray()[0];
	}

	/**
	 * A message of this conversation by its ID, found through the seq inside the ID (the rowid;
	 * message_id has no index of its own); an ID that does not parse names no message.
	 */
	private rowOf(messageId: string): MessageRow | undefined {
		const seq = sequenceOfMessageId(messageId);
		if (seq === null) return undefined;
		return this.sql
			.exec<MessageRow>("SELECT * FROM messages WHERE seq = ? AND message_id = ?", seq, messageId)
			.toArray()[0];
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
	): Promise<{ ok: true; recalledAt: number } | { ok: false; code: number; message: string }> {
		const access = await this.access(conversationId, userId);
		if (!access.ok) return access;
		const recallWindow = await getConfigValue(this.env, "message.max_recall");
		const row = this.findVisible(userId, messageId);
		if (!row) return fail(SendCodes.MessageNotFound, "message not found");
		const t = nowSeconds();
		const role = this.memberMap().get(userId)?.role;
		const moderator = access.kind === "group" && (role === "owner" || role === "admin");
		if (!moderator) {
			if (row.sender_id !== userId) return fail(50106, "only the sender may recall this message");
			if (row.status !== 1 && t - row.created_at > recallWindow)
				return fail(50104, `messages can only be recalled within ${recallWindow} seconds`);
		}
		// Already recalled: nothing changes and nothing is announced again.
		if (row.status === 1) return { ok: true, recalledAt: t };
		this.sql.exec("UPDATE messages SET status = 1, content = '' WHERE seq = ?", row.seq);
		const members = [...this.memberMap().keys()];
		await notify(this.env, members, "message.recalled", {
			messageId,
			conversationId,
			conversationType: access.kind,
			sequence: row.seq,
			operatorId: userId,
			recalledAt: t,
		});
		// The list preview of everyone changes if the last message was the one recalled.
		if (row.seq === this.lastSeq) {
			await Promise.allSettled(
				members.map((m) => hubFor(this.env, m).applyMessages(m, this.summaryOf(access.kind, conversationId, m), [])),
			);
		}
		return { ok: true, recalledAt: t };
	}

	async hide(
		conversationId: string,
		userId: string,
		messageId: string,
	): Promise<{ ok: true } | { ok: false; code: number; message: string }> {
		const access = await this.access(conversationId, userId);
		if (!access.ok) return access;
		const row = this.findVisible(userId, messageId);
		if (!row) return fail(SendCodes.MessageNotFound, "message not found");
		this.sql.exec("INSERT OR IGNORE INTO hidden (user_id, seq) VALUES (?, ?)", userId, row.seq);
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
	): Promise<
		| { ok: true; lastReadSeq: number; unreadCount: number; totalUnread: number }
		| { ok: false; code: number; message: string }
	> {
		const access = await this.access(conversationId, userId);
		if (!access.ok) return access;
		const current = this.readsCache.get(userId) ?? 0;
		const target = Math.max(current, Math.min(lastReadSeq ?? this.lastSeq, this.lastSeq));
		const t = nowSeconds();
		if (target !== current) {
			this.sql.exec(
				"INSERT INTO reads (user_id, read_seq) VALUES (?, ?) ON CONFLICT(user_id) DO UPDATE SET read_seq = excluded.read_seq",
				userId,
				target,
			);
			this.readsCache.set(userId, target);
			const others = [...this.memberMap().keys()].filter((m) => m !== userId);
			if (access.kind === "private" || this.memberMap().size <= SMALL_GROUP_LIMIT) {
				await notify(this.env, others, "message.read_receipt", {
					conversationId,
					conversationType: access.kind,
					userId,
					lastReadSeq: target,
					readAt: t,
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
		const members = this.memberMap();
		if (access.kind === "group" && members.size > SMALL_GROUP_LIMIT) return access;
		const others = [...members.keys()].filter((m) => m !== userId);
		await notify(this.env, others, "message.typing", { conversationId, conversationType: access.kind, userId, typing });
		return access;
	}

	// ---- meta ----

	protected setMeta(key: string, value: string): void {
		this.metaCache = null;
		this.sql.exec(
			"INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
			key,
			value,
		);
	}

	/** Meta changes only through setMeta (syncs), so every send reads it from memory. */
	protected getMeta(key: string): string | null {
		this.metaCache ??= new Map(
			this.sql
				.exec<{ key: string; value: string }>("SELECT key, value FROM meta")
				.toArray()
				.map((r) => [r.key, r.value]),
		);
		return this.metaCache.get(key) ?? this.volatileMeta.get(key) ?? null;
	}
}

/** A just-stored message as the row `summaryOf` reads, so the summary needs no read of it back. */
const lastRowOf = (m: MessageData) => ({
	message_id: m.messageId,
	content_type: m.contentType,
	content: m.content,
	status: m.status,
	created_at: m.createdAt,
	seq: m.sequence,
});

/** The payload as it will be stored (content type resolved, mentions de-duplicated), so aliases are the same message. */
const fingerprintOf = (kind: ConversationKind, input: SendInput) =>
	payloadFingerprint({
		conversationType: kind,
		contentType: resolveContentType(input.contentType) ?? String(input.contentType),
		content: input.content,
		replyTo: input.replyTo,
		atUsers: [...new Set(input.atUsers)],
	});

const fail = (code: number, message: string) => ({ ok: false as const, code, message });

const ackOf = (conversationId: string, r: MessageRow, localId: string) => ({
	messageId: r.message_id,
	conversationId,
	sequence: r.seq,
	timestamp: r.created_at,
	localId,
});
