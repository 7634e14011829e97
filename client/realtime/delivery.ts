import type { Message } from "../api";
import { backoffDelay } from "./backoff";
import type { Gap, Sequencer } from "./sequencer";
import type { Emit, ResolvedOptions } from "./types";

/**
 * Incoming messages to the app: through the sequencer (exactly once, in order), live frames
 * held while a catch-up runs, and back-fill of the holes the sequencer finds.
 */
export class Delivery {
	private buffering = false;
	private buffer: Message[] = [];
	private readonly backfilling = new Set<string>();
	private readonly backfillRetries = new Map<string, ReturnType<typeof setTimeout>>();

	constructor(
		private readonly sequencer: Sequencer,
		private readonly o: ResolvedOptions,
		private readonly emit: Emit,
		private readonly closed: () => boolean,
	) {}

	/** Tells the sequencer what the app already holds (e.g. after loading history). */
	known(conversationId: string, lastSeq: number) {
		for (const m of this.sequencer.setBaseline(conversationId, lastSeq)) this.emit("message", m);
	}

	/** A live `message.new`: held while a catch-up runs, delivered otherwise. */
	live(m: Message) {
		if (this.buffering) this.buffer.push(m);
		else this.accept([m]);
	}

	/** A catch-up starts: live messages wait for it. */
	hold() {
		this.buffering = true;
	}

	/** The catch-up is done: the held live messages go through, then the holes left are back-filled. */
	release() {
		this.buffering = false;
		const live = this.buffer.sort((a, b) => a.sequence - b.sequence);
		this.buffer = [];
		this.accept(live);
		for (const g of this.sequencer.pendingGaps()) void this.backfill(g);
	}

	/** The socket went away. */
	drop() {
		this.buffering = false;
		// Live frames buffered during an interrupted catch-up are not lost: the next catch-up re-reads them.
		this.buffer = [];
	}

	/** Feeds messages through the sequencer, delivers what is in order, back-fills holes. */
	accept(messages: Message[]) {
		const r = this.sequencer.ingest(messages);
		for (const m of r.delivered) this.emit("message", m);
		for (const m of r.updated) this.emit("message.updated", m);
		if (!this.buffering) for (const g of r.gaps) void this.backfill(g);
	}

	/** Delivers what is in order, no back-fill: catch-up pages on by itself and release() back-fills the rest. */
	ingestQuietly(messages: Message[]) {
		const r = this.sequencer.ingest(messages);
		for (const m of r.delivered) this.emit("message", m);
		for (const m of r.updated) this.emit("message.updated", m);
	}

	cancelBackfillRetries() {
		for (const t of this.backfillRetries.values()) clearTimeout(t);
		this.backfillRetries.clear();
	}

	private async backfill(gap: Gap, attempt = 0) {
		if (this.backfilling.has(gap.conversationId)) return;
		this.backfilling.add(gap.conversationId);
		let failed = false;
		try {
			for (;;) {
				const after = this.sequencer.lastSeq(gap.conversationId) ?? gap.after;
				const page = await this.o.sessions.messages(gap.conversationId, { after, limit: this.o.pageSize });
				const r = this.sequencer.ingest(page.list);
				for (const m of r.delivered) this.emit("message", m);
				for (const m of r.updated) this.emit("message.updated", m);
				const still = r.gaps.find((g) => g.conversationId === gap.conversationId);
				const advanced = (this.sequencer.lastSeq(gap.conversationId) ?? 0) > after;
				if (!still || !advanced || !page.hasMore) break;
			}
		} catch (e) {
			this.emit("problem", e);
			failed = true;
		} finally {
			this.backfilling.delete(gap.conversationId);
		}
		if (failed) this.retryBackfill(gap.conversationId, attempt);
	}

	/**
	 * A failed back-fill is tried again after a backoff while the hole is still there: the held
	 * messages above it would otherwise wait for the next live message or reconnect, which may
	 * never come (the last message of a burst).
	 */
	private retryBackfill(conversationId: string, attempt: number) {
		if (this.closed() || this.backfillRetries.has(conversationId)) return;
		const timer = setTimeout(
			() => {
				this.backfillRetries.delete(conversationId);
				const gap = this.sequencer.pendingGaps().find((g) => g.conversationId === conversationId);
				if (gap && !this.closed()) void this.backfill(gap, attempt + 1);
			},
			backoffDelay(attempt, this.o.backoff, this.o.random),
		);
		this.backfillRetries.set(conversationId, timer);
	}
}
