import { sql } from "drizzle-orm";
import type { ConversationDb } from "./db";
import type { MessageStore } from "./message-store";
import { reads } from "./schema";

/**
 * How far each member has read, in memory. `reads` holds the positions written when someone
 * reads and those the count flush derived; a sender's own messages advance the sender's position
 * in memory at once and in `reads` at the next flush (one write per message is the budget).
 */
export class ReadPositions {
	private readonly cache = new Map<string, number>();

	constructor(private readonly db: ConversationDb) {}

	/** The flushed positions plus what the flush has not written yet: a sender has read up to their own last message. */
	load(store: MessageStore, flushedSeq: number): void {
		for (const r of this.db.select().from(reads).all()) this.cache.set(r.userId, r.readSeq);
		for (const r of store.lastPerSender(flushedSeq)) {
			this.cache.set(r.senderId, Math.max(this.cache.get(r.senderId) ?? 0, r.s));
		}
	}

	get(userId: string): number {
		return this.cache.get(userId) ?? 0;
	}

	/** A sender's own message: in memory only (see class comment). */
	noteSent(senderId: string, seq: number): void {
		this.cache.set(senderId, seq);
	}

	/** A member who joins later starts with everything before them read; returns who is new. */
	seed(userIds: string[], lastSeq: number): string[] {
		const added: string[] = [];
		for (const id of userIds) {
			if (this.cache.has(id)) continue;
			this.db.insert(reads).values({ userId: id, readSeq: lastSeq }).onConflictDoNothing().run();
			this.cache.set(id, lastSeq);
			added.push(id);
		}
		return added;
	}

	/** A read: written at once. */
	set(userId: string, seq: number): void {
		this.db
			.insert(reads)
			.values({ userId, readSeq: seq })
			.onConflictDoUpdate({ target: reads.userId, set: { readSeq: seq } })
			.run();
		this.cache.set(userId, seq);
	}

	/** The flush writes the senders' positions it derived (never backwards). */
	writeDerived(senders: { senderId: string; s: number }[]): void {
		for (const { senderId, s } of senders) {
			this.db
				.insert(reads)
				.values({ userId: senderId, readSeq: Math.max(this.cache.get(senderId) ?? 0, s) })
				.onConflictDoUpdate({ target: reads.userId, set: { readSeq: sql`MAX(${reads.readSeq}, excluded.read_seq)` } })
				.run();
		}
	}
}
