import { addMessageCounts } from "../../db/stats";
import type { Bindings } from "../../domain/env";
import { COUNT_FLUSH_JITTER_MS, COUNT_FLUSH_MS } from "../../domain/messaging-types";
import { utcDay } from "../../domain/time";
import type { MessageStore } from "./message-store";
import type { ReadPositions } from "./reads";
import { type Bookkeeping, hasLegacyUncounted } from "./storage";

/**
 * What a message costs besides its row is derived later, by this flush: the admin stats count
 * (D1's daily counter) and the senders' read positions. One D1 write per conversation per
 * COUNT_FLUSH_MS at most, run by the object's alarm.
 */
export class CountFlush {
	/** Messages up to this seq are in D1's daily counter and their senders' positions in `reads`. */
	private flushedSeq = 0;
	/** An object migrated from schema 1 may still hold counts in `uncounted` until its next flush. */
	private legacyUncounted = false;
	/** Whether the alarm that runs the flush is set (known after start-up). */
	private armed = false;

	constructor(
		private readonly ctx: DurableObjectState,
		private readonly env: Bindings,
		private readonly host: { readonly sql: SqlStorage },
		private readonly store: MessageStore,
		private readonly reads: ReadPositions,
		private readonly bookkeeping: Bookkeeping,
	) {}

	/** From storage, before anything else reads the positions. */
	load(): number {
		this.flushedSeq = this.bookkeeping.get("flushed_seq");
		this.legacyUncounted = hasLegacyUncounted(this.host.sql);
		return this.flushedSeq;
	}

	/**
	 * Unflushed messages always have an alarm (set with the first of them); this only re-arms one
	 * that was lost, e.g. by a flush that gave up.
	 */
	async resume(): Promise<void> {
		this.armed = (await this.ctx.storage.getAlarm()) !== null;
		if (!this.armed && (this.store.lastSeq > this.flushedSeq || this.legacyUncounted)) this.arm();
	}

	arm(): void {
		if (this.armed) return;
		this.armed = true;
		// Not awaited: part of the same implicit commit as the message itself.
		void this.ctx.storage.setAlarm(Date.now() + COUNT_FLUSH_MS + Math.floor(Math.random() * COUNT_FLUSH_JITTER_MS));
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
	async run(): Promise<void> {
		this.armed = false;
		const from = this.flushedSeq;
		const to = this.store.lastSeq;
		if (to <= from && !this.legacyUncounted) return;
		const perDay = new Map<string, number>();
		if (this.legacyUncounted) {
			// A table of schema 1, outside the drizzle schema: read once and dropped below.
			for (const { day, n } of this.host.sql.exec<{ day: string; n: number }>("SELECT day, n FROM uncounted")) {
				perDay.set(day, (perDay.get(day) ?? 0) + n);
			}
		}
		if (to > from) {
			for (const { d, n } of this.store.countsPerDay(from, to)) {
				const day = utcDay(d * 86400);
				perDay.set(day, (perDay.get(day) ?? 0) + n);
			}
		}
		await addMessageCounts(this.env, perDay);
		this.ctx.storage.transactionSync(() => {
			this.reads.writeDerived(this.store.lastPerSender(from, to));
			this.bookkeeping.set("flushed_seq", to);
			if (this.legacyUncounted) this.host.sql.exec("DROP TABLE uncounted");
		});
		this.flushedSeq = to;
		this.legacyUncounted = false;
	}
}
