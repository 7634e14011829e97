import type { MessageStore } from "./message-store";

/**
 * How far each member has read, in memory. `reads` holds the positions written when someone
 * reads and those the count flush derived; a sender's own messages advance the sender's position
 * in memory at once and in `reads` at the next flush (one write per message is the budget).
 */
export class ReadPositions {
	private readonly cache = new Map<string, number>();

	constructor(private readonly host: { readonly sql: SqlStorage }) {}

	/** The flushed positions plus what the flush has not written yet: a sender has read up to their own last message. */
	load(store: MessageStore, flushedSeq: number): void {
		for (const r of this.host.sql.exec<{ user_id: string; read_seq: number }>("SELECT user_id, read_seq FROM reads")) {
			this.cache.set(r.user_id, r.read_seq);
		}
		for (const r of store.lastPerSender(flushedSeq)) {
			this.cache.set(r.sender_id, Math.max(this.cache.get(r.sender_id) ?? 0, r.s));
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
			this.host.sql.exec("INSERT OR IGNORE INTO reads (user_id, read_seq) VALUES (?, ?)", id, lastSeq);
			this.cache.set(id, lastSeq);
			added.push(id);
		}
		return added;
	}

	/** A read: written at once. */
	set(userId: string, seq: number): void {
		this.host.sql.exec(
			"INSERT INTO reads (user_id, read_seq) VALUES (?, ?) ON CONFLICT(user_id) DO UPDATE SET read_seq = excluded.read_seq",
			userId,
			seq,
		);
		this.cache.set(userId, seq);
	}

	/** The flush writes the senders' positions it derived (never backwards). */
	writeDerived(senders: { sender_id: string; s: number }[]): void {
		for (const { sender_id, s } of senders) {
			this.host.sql.exec(
				"INSERT INTO reads (user_id, read_seq) VALUES (?, ?) ON CONFLICT(user_id) DO UPDATE SET read_seq = MAX(read_seq, excluded.read_seq)",
				sender_id,
				Math.max(this.cache.get(sender_id) ?? 0, s),
			);
		}
	}
}
