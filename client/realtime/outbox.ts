import type { SendAck, SendPayload } from "../api";

export interface OutboxEntry {
	payload: SendPayload;
	/** Times the frame went out (0 = queued while offline). */
	attempts: number;
	queuedAt: number;
}

/**
 * Messages sent but not yet acknowledged, in send order. The server de-duplicates on
 * (sender, conversation, localId), so re-sending every entry with its original localId
 * after a reconnect is safe: a message that did arrive gets its original ack back.
 */
export class Outbox {
	private readonly entries = new Map<string, OutboxEntry>();

	constructor(private readonly now: () => number = Date.now) {}

	add(payload: SendPayload): OutboxEntry {
		if (this.entries.has(payload.localId)) return this.entries.get(payload.localId)!;
		const entry = { payload, attempts: 0, queuedAt: this.now() };
		this.entries.set(payload.localId, entry);
		return entry;
	}

	/** Everything to (re)send, oldest first: Map keeps insertion order. */
	pending(): OutboxEntry[] {
		return [...this.entries.values()];
	}

	markAttempt(localId: string) {
		const e = this.entries.get(localId);
		if (e) e.attempts++;
	}

	/** Resolves an entry by its ack; returns the entry, or undefined for an ack we did not wait for. */
	ack(ack: SendAck): OutboxEntry | undefined {
		return this.take(ack.localId);
	}

	/** A definite refusal (message.error): retrying would fail the same way. */
	fail(localId: string): OutboxEntry | undefined {
		return this.take(localId);
	}

	has(localId: string) {
		return this.entries.has(localId);
	}

	get size() {
		return this.entries.size;
	}

	private take(localId: string) {
		const e = this.entries.get(localId);
		if (e) this.entries.delete(localId);
		return e;
	}
}
