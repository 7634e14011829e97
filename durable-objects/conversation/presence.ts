import { eq, inArray } from "drizzle-orm";
import { chunks } from "../../domain/chunks";
import type { ConversationDb } from "./db";
import { online } from "./schema";

/**
 * Which members of a large group have a live socket, as their hubs report it (a hub subscribes
 * its group conversations when its first socket opens and unsubscribes when its last closes).
 * A large group's fan-out calls only these hubs: a message costs no call, no wake-up and no
 * write for the thousands of members who are offline; their hubs read the conversation's state
 * (last sequence, read position) when the member lists sessions, so unread is computed at read
 * time. Stored, so a restarted Conversation keeps fanning out to the hubs that still have
 * sockets; an entry whose hub turns out to have none (the server was killed) is dropped at the
 * next fan-out that finds it so.
 */
export class Presence {
	private ids: Set<string> | null = null;
	/** When this instance marked each member online (a hub that reconnected during a round is not stale). */
	private readonly since = new Map<string, number>();

	constructor(private readonly db: ConversationDb) {}

	private set(): Set<string> {
		this.ids ??= new Set(
			this.db
				.select()
				.from(online)
				.all()
				.map((r) => r.userId),
		);
		return this.ids;
	}

	has(userId: string): boolean {
		return this.set().has(userId);
	}

	/** The members with a live socket, in no particular order. */
	list(): string[] {
		return [...this.set()];
	}

	/** One write, only when the state changes. */
	mark(userId: string, isOnline: boolean): void {
		const ids = this.set();
		if (isOnline) this.since.set(userId, Date.now());
		else this.since.delete(userId);
		if (ids.has(userId) === isOnline) return;
		if (isOnline) {
			this.db.insert(online).values({ userId }).onConflictDoNothing().run();
			ids.add(userId);
		} else {
			this.db.delete(online).where(eq(online.userId, userId)).run();
			ids.delete(userId);
		}
	}

	/**
	 * A fan-out round that began at `roundStart` found the member's hub without a socket: drops the
	 * entry, unless the hub said it was online again after the round began (it reconnected meanwhile).
	 */
	dropStale(userId: string, roundStart: number): void {
		if ((this.since.get(userId) ?? 0) >= roundStart) return;
		this.mark(userId, false);
	}

	/** After a membership change (inside its transaction): former members are no one's concern here. */
	keepOnly(members: ReadonlySet<string>): void {
		const gone = this.list().filter((id) => !members.has(id));
		for (const chunk of chunks(gone)) this.db.delete(online).where(inArray(online.userId, chunk)).run();
		for (const id of gone) this.ids?.delete(id);
	}
}
