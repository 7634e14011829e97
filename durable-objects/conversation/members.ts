import type { ConversationKind, ConversationMember } from "../../domain/messaging-types";
import type { ConversationDb } from "./db";
import { members, meta } from "./schema";

/**
 * The object's copy of who is in the conversation (`members`) and what it is (`meta`: kind,
 * IDs, mute and dissolution flags, whether a private pair may chat). D1 holds the truth; a sync
 * replaces the copy wholesale, so it cannot drift. Both are read from memory on every send.
 */
export class MemberCopy {
	private membersCache: Map<string, ConversationMember> | null = null;
	private metaCache: Map<string, string> | null = null;
	/** Meta of a lazily loaded refusal, never stored (see Conversation.ensureSynced); a sync replaces it. */
	private volatileMeta = new Map<string, string>();

	constructor(private readonly db: ConversationDb) {}

	/** Inside the caller's transaction: the new member list. */
	replace(list: { userId: string; role: ConversationMember["role"]; muted: boolean }[]): void {
		this.db.delete(members).run();
		for (const m of list)
			this.db
				.insert(members)
				.values({ userId: m.userId, role: m.role, muted: m.muted ? 1 : 0 })
				.run();
	}

	/** After a sync's commit: the next read loads the new copy. */
	invalidate(): void {
		this.membersCache = null;
		this.metaCache = null;
		this.volatileMeta.clear();
	}

	/** A refusal found in D1, kept in memory only, so probing IDs writes nothing. */
	holdVolatile(meta: [string, string][], members: ConversationMember[]): void {
		this.volatileMeta = new Map(meta);
		this.membersCache = new Map(members.map((m) => [m.userId, m]));
	}

	map(): Map<string, ConversationMember> {
		if (!this.membersCache) {
			this.membersCache = new Map(
				this.db
					.select()
					.from(members)
					.all()
					.map((r) => [
						r.userId,
						{ userId: r.userId, role: r.role as ConversationMember["role"], muted: r.muted === 1 },
					]),
			);
		}
		return this.membersCache;
	}

	ids(): string[] {
		return [...this.map().keys()];
	}

	setMeta(key: string, value: string): void {
		this.metaCache = null;
		this.db.insert(meta).values({ key, value }).onConflictDoUpdate({ target: meta.key, set: { value } }).run();
	}

	/** Meta changes only through setMeta (syncs), so every send reads it from memory. */
	getMeta(key: string): string | null {
		this.metaCache ??= new Map(
			this.db
				.select()
				.from(meta)
				.all()
				.map((r) => [r.key, r.value]),
		);
		return this.metaCache.get(key) ?? this.volatileMeta.get(key) ?? null;
	}

	kind(): ConversationKind | null {
		return this.getMeta("kind") as ConversationKind | null;
	}
}
