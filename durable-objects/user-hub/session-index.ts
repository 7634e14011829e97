import type { SessionData } from "../../contracts/sessions";
import { conversationIdsOf } from "../../db/conversations";
import type { Bindings } from "../../domain/env";
import type { ConversationSummary } from "../../domain/messaging-types";
import { isVisible, type SessionRow, sessionOrder, toSession, unreadOf } from "../../domain/session-rows";
import { conversationFor } from "../../platform/stubs";
import type { Checkpoint } from "./checkpoint";
import type { HubDb } from "./db";
import { rememberUser, writeRow } from "./storage";

const seconds = () => Math.floor(Date.now() / 1000);

type Page = { list: SessionData[]; hasMore: boolean };

/**
 * The conversation-list index, in memory. Storage holds which conversations the user has
 * (written when one is new to the hub) and the pin/mute/delete flags (written when they
 * change). Last message, time and read position are the Conversations' and are never written
 * here per message (DESIGN.md: one commit per message): a small hub's new instance takes them
 * back from the Conversations (`hydrate`), a large one from its checkpoint (see checkpoint.ts).
 */
export class SessionIndex {
	private readonly sessions = new Map<string, SessionRow>();
	/** The visible rows in list order, kept until a row changes: a list request does not sort. */
	private orderedCache: SessionRow[] | null = null;
	/** Settles once the rows loaded at start-up carry the Conversations' current state. */
	private hydrated: Promise<void> | null = null;
	needsHydration = false;
	/** Set by an alarm left by the previous design (rows flushed in batches): also ask D1 which conversations exist. */
	legacyUnflushed = false;
	selfId: string | null = null;

	constructor(
		private readonly env: Bindings,
		private readonly db: HubDb,
		private readonly checkpoint: Checkpoint,
	) {}

	/** The stored rows and the user this hub belongs to, at start-up. */
	load(rows: SessionRow[], selfId: string | null): void {
		for (const row of rows) this.sessions.set(row.conversationId, row);
		this.selfId = selfId;
	}

	get size(): number {
		return this.sessions.size;
	}

	has(conversationId: string): boolean {
		return this.sessions.has(conversationId);
	}

	/** See Checkpoint.arm. */
	armCheckpoint(): void {
		this.checkpoint.arm(this.sessions);
	}

	writeCheckpoint(): void {
		this.checkpoint.write(this.sessions);
	}

	/**
	 * Every conversation the user has, hidden ones included (a message search looks in each). Only
	 * an index left by the former batched flush needs its hydration first to know them all.
	 */
	async conversationIds(): Promise<string[]> {
		if (this.legacyUnflushed) await this.ready();
		return [...this.sessions.keys()];
	}

	/** The group conversations on the list (hidden ones included: a new message brings them back). */
	groupIds(): string[] {
		return [...this.sessions.values()].filter((r) => r.conversationType === "group").map((r) => r.conversationId);
	}

	/**
	 * While the user is offline a large group does not call this hub per message: before a list is
	 * read, each group's row is brought up to date from the group (one call per group, in parallel),
	 * so unread counts and order are right at every read without a write per message.
	 */
	async refreshGroups(): Promise<void> {
		if (!this.selfId) return;
		await this.refreshFrom(this.selfId, this.groupIds());
		this.armCheckpoint();
	}

	/** Each of these conversations' current row for the user, asked in parallel (one that cannot answer keeps its row). */
	private async refreshFrom(userId: string, ids: Iterable<string>): Promise<void> {
		const summaries = await Promise.all(
			[...ids].map((id) =>
				conversationFor(this.env, id)
					.summaryFor(id, userId)
					.catch(() => null),
			),
		);
		for (const s of summaries) if (s) this.refresh(s);
	}

	// ---- reading ----

	listBefore(limit: number, updatedBefore?: number): Page {
		const visible = this.ordered();
		const rows = updatedBefore === undefined ? visible : visible.filter((r) => r.updatedAt < updatedBefore);
		return { list: rows.slice(0, limit).map(toSession), hasMore: rows.length > limit };
	}

	listSince(since: number, limit: number): Page {
		const visible = this.ordered();
		const rows = since === 0 ? visible : visible.filter((r) => r.updatedAt >= since);
		return { list: rows.slice(0, limit).map(toSession), hasMore: rows.length > limit };
	}

	get(conversationId: string): SessionData | null {
		const row = this.sessions.get(conversationId);
		return row && isVisible(row) ? toSession(row) : null;
	}

	isMuted(conversationId: string): boolean {
		return this.sessions.get(conversationId)?.isMuted ?? false;
	}

	totalUnread(): number {
		let total = 0;
		for (const r of this.sessions.values()) if (isVisible(r) && !r.isMuted) total += unreadOf(r);
		return total;
	}

	unreadData(row: SessionRow) {
		return { sessionId: row.conversationId, unreadCount: unreadOf(row), totalUnread: this.totalUnread() };
	}

	private ordered(): SessionRow[] {
		this.orderedCache ??= [...this.sessions.values()].filter(isVisible).sort(sessionOrder);
		return this.orderedCache;
	}

	// ---- the user's flags (written at once) ----

	/** Pins or unpins a visible session; null if there is none. */
	setPinned(conversationId: string, pinned: boolean): SessionRow | null {
		const row = this.sessions.get(conversationId);
		if (!row || !isVisible(row)) return null;
		row.isPinned = pinned;
		row.pinTime = pinned ? seconds() : 0;
		row.updatedAt = seconds();
		this.persist(row);
		return row;
	}

	setMuted(conversationId: string, muted: boolean): SessionRow | null {
		const row = this.sessions.get(conversationId);
		if (!row || !isVisible(row)) return null;
		row.isMuted = muted;
		row.updatedAt = seconds();
		this.persist(row);
		return row;
	}

	/** Hides the session until a newer message arrives. */
	hide(conversationId: string): void {
		const row = this.sessions.get(conversationId);
		if (row) {
			row.deletedSeq = row.lastSeq;
			row.isPinned = false;
			row.pinTime = 0;
			row.updatedAt = seconds();
			this.persist(row);
		}
	}

	// ---- the Conversations' state (memory; see the class comment) ----

	/**
	 * Applies a Conversation's state (never goes backwards), in memory. A conversation new to
	 * this hub is written (its ID and flags): that is the only write a message can cause here,
	 * once per user and conversation.
	 */
	upsert(userId: string, summary: ConversationSummary): SessionRow {
		this.orderedCache = null;
		const t = seconds();
		let row = this.sessions.get(summary.conversationId);
		const isNew = !row;
		if (!row) {
			row = {
				conversationId: summary.conversationId,
				conversationType: summary.conversationType,
				targetId: summary.targetId,
				lastMessageId: "",
				lastMessageContent: "",
				lastMessageTime: 0,
				lastSeq: 0,
				readSeq: 0,
				isPinned: false,
				pinTime: 0,
				isMuted: false,
				deletedSeq: 0,
				createdAt: t,
				updatedAt: t,
				arrivedAt: 0,
			};
			this.sessions.set(row.conversationId, row);
		}
		if (summary.lastSeq >= row.lastSeq) {
			if (summary.lastSeq > row.lastSeq) row.arrivedAt = Date.now();
			row.lastSeq = summary.lastSeq;
			row.lastMessageId = summary.lastMessageId;
			row.lastMessageContent = summary.lastMessageContent;
			row.lastMessageTime = summary.lastMessageTime;
		}
		row.readSeq = Math.min(row.lastSeq, Math.max(row.readSeq, summary.readSeq));
		row.updatedAt = t;
		if (!isNew) this.checkpoint.dirty.add(row.conversationId);
		if (isNew) {
			// One implicit commit: the hub remembers who it is with its first conversation.
			if (!this.selfId && userId) {
				this.selfId = userId;
				rememberUser(this.db, userId);
			}
			this.persist(row);
		}
		return row;
	}

	/** Applies a Conversation's state found on start-up; `updatedAt` moves only if something changed. */
	private refresh(summary: ConversationSummary): void {
		this.orderedCache = null;
		const row = this.sessions.get(summary.conversationId);
		if (!row) {
			if (this.selfId) this.upsert(this.selfId, summary);
			return;
		}
		const before = `${row.lastSeq}|${row.readSeq}|${row.lastMessageId}|${row.lastMessageContent}`;
		if (summary.lastSeq >= row.lastSeq) {
			row.lastSeq = summary.lastSeq;
			row.lastMessageId = summary.lastMessageId;
			row.lastMessageContent = summary.lastMessageContent;
			row.lastMessageTime = summary.lastMessageTime;
		}
		row.readSeq = Math.min(row.lastSeq, Math.max(row.readSeq, summary.readSeq));
		if (before !== `${row.lastSeq}|${row.readSeq}|${row.lastMessageId}|${row.lastMessageContent}`) {
			row.updatedAt = seconds();
			this.checkpoint.dirty.add(row.conversationId);
		}
	}

	/** Stores the row's flags (and the snapshot of its last message, a fallback if its Conversation cannot answer). */
	private persist(row: SessionRow): void {
		this.orderedCache = null;
		writeRow(this.db, row);
		this.checkpoint.dirty.delete(row.conversationId);
		// A new conversation can bring the hub to the checkpoint size with changes still unwritten.
		this.armCheckpoint();
	}

	// ---- hydration ----

	/** Resolves once the index is complete (see `hydrate`); free after the first time. */
	ready(): Promise<void> {
		if (!this.needsHydration) return Promise.resolve();
		this.hydrated ??= this.hydrate().finally(() => {
			this.hydrated = null;
		});
		return this.hydrated;
	}

	/**
	 * A new instance knows the user's conversations and flags from storage; their last message
	 * and read position are asked of each Conversation (in parallel, once per instance, on the
	 * first request that needs the whole list — live delivery never waits for it). An instance
	 * left by the former batched flush also asks D1 for every friend pair and group.
	 */
	private async hydrate(): Promise<void> {
		const userId = this.selfId;
		if (!userId) {
			this.needsHydration = false;
			return;
		}
		const ids = new Set(this.sessions.keys());
		if (this.legacyUnflushed) for (const id of await conversationIdsOf(this.env, userId)) ids.add(id);
		await this.refreshFrom(userId, ids);
		this.needsHydration = false;
		this.legacyUnflushed = false;
		this.armCheckpoint();
	}
}
