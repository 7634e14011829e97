import type { Message } from "../api";

export interface Gap {
	conversationId: string;
	/** Highest sequence delivered; back-fill asks for messages after it. */
	after: number;
	/** Lowest sequence held back waiting for the gap to close. */
	before: number;
}

export interface IngestResult {
	/** New messages, in sequence order per conversation, each exactly once. */
	delivered: Message[];
	/** Already-delivered messages whose status changed (a recall seen through sync/history). */
	updated: Message[];
	/** Conversations with a hole below a held-back message. */
	gaps: Gap[];
}

/**
 * Per-conversation ordering and de-duplication. Messages are delivered strictly in
 * sequence order: anything above the next expected sequence is held until the hole is
 * filled (by back-fill), and anything at or below the watermark is a duplicate.
 *
 * A conversation seen for the first time takes its first message as the starting point
 * (its history is the app's to page through); `setBaseline` lets the app say otherwise.
 */
export class Sequencer {
	private readonly watermark = new Map<string, number>();
	private readonly held = new Map<string, Map<number, Message>>();
	/** Non-zero statuses (recalled) of delivered messages; absent means 0, so memory grows only with recalls. */
	private readonly statuses = new Map<string, number>();

	/** Highest contiguous sequence delivered per conversation (the `lastSeq` of sync calls). */
	lastSeq(conversationId: string): number | undefined {
		return this.watermark.get(conversationId);
	}

	conversations(): Array<{ conversationId: string; lastSeq: number }> {
		return [...this.watermark].map(([conversationId, lastSeq]) => ({ conversationId, lastSeq }));
	}

	/**
	 * Declares that everything up to `seq` is known (e.g. after loading history or from stored
	 * state). Returns held messages that became deliverable because of it.
	 */
	setBaseline(conversationId: string, seq: number): Message[] {
		const cur = this.watermark.get(conversationId);
		if (cur !== undefined && seq <= cur) return [];
		this.watermark.set(conversationId, seq);
		const held = this.held.get(conversationId);
		if (!held) return [];
		for (const s of [...held.keys()]) if (s <= seq) held.delete(s);
		return this.drain(conversationId);
	}

	ingest(messages: Iterable<Message>): IngestResult {
		const touched = new Set<string>();
		const updated: Message[] = [];
		for (const m of messages) {
			const c = m.conversationId;
			if (!this.watermark.has(c)) this.watermark.set(c, m.sequence - 1);
			const mark = this.watermark.get(c)!;
			const statusKey = `${c}\u0000${m.sequence}`;
			if (m.sequence <= mark) {
				// Statuses only move forward (a recall is final): an older copy changes nothing.
				if ((m.status ?? 0) > (this.statuses.get(statusKey) ?? 0)) {
					this.noteStatus(c, m.sequence, m.status ?? 0);
					updated.push(m);
				}
				continue;
			}
			const held = this.held.get(c) ?? new Map<number, Message>();
			this.held.set(c, held);
			if (!held.has(m.sequence)) held.set(m.sequence, m);
			touched.add(c);
		}
		const delivered: Message[] = [];
		const gaps: Gap[] = [];
		for (const c of touched) {
			delivered.push(...this.drain(c));
			const held = this.held.get(c);
			if (held) gaps.push({ conversationId: c, after: this.watermark.get(c)!, before: Math.min(...held.keys()) });
		}
		return { delivered, updated, gaps };
	}

	/** Releases the run of held messages right above the watermark. */
	private drain(c: string): Message[] {
		const out: Message[] = [];
		const held = this.held.get(c);
		if (!held) return out;
		let mark = this.watermark.get(c)!;
		while (held.has(mark + 1)) {
			const m = held.get(mark + 1)!;
			held.delete(mark + 1);
			mark++;
			out.push(m);
			this.noteStatus(c, m.sequence, m.status ?? 0);
		}
		this.watermark.set(c, mark);
		if (!held.size) this.held.delete(c);
		return out;
	}

	/** Conversations still waiting for a hole to close. */
	pendingGaps(): Gap[] {
		return [...this.held].map(([conversationId, h]) => ({
			conversationId,
			after: this.watermark.get(conversationId)!,
			before: Math.min(...h.keys()),
		}));
	}

	/** Marks a message as recalled so a later copy with status 1 is not reported again. */
	noteStatus(conversationId: string, sequence: number, status: number) {
		const key = `${conversationId}\u0000${sequence}`;
		if (status) this.statuses.set(key, status);
		else this.statuses.delete(key);
	}

	/** For persistence: the watermarks to restore with setBaseline. */
	snapshot(): Record<string, number> {
		return Object.fromEntries(this.watermark);
	}
}
