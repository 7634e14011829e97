import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../workers/env";

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

/**
 * One per conversation (`conv:<id>`). Holds the conversation's member list (a copy of D1's
 * group membership, replaced wholesale by `syncMembers` after every membership change so it
 * can never drift) and, with the messaging feature, its messages and sequence.
 */
export class Conversation extends DurableObject<Bindings> {
	protected sql: SqlStorage;

	constructor(ctx: DurableObjectState, env: Bindings) {
		super(ctx, env);
		this.sql = ctx.storage.sql;
		ctx.blockConcurrencyWhile(async () => this.migrate());
	}

	protected migrate(): void {
		this.sql.exec(`CREATE TABLE IF NOT EXISTS members (
			user_id TEXT PRIMARY KEY,
			role TEXT NOT NULL,
			muted INTEGER NOT NULL DEFAULT 0
		)`);
		this.sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
	}

	/** Replaces the member copy with D1's current truth (see workers/services/group-conversation.ts). */
	async syncMembers(snapshot: MemberSnapshot): Promise<void> {
		this.ctx.storage.transactionSync(() => {
			this.sql.exec("DELETE FROM members");
			for (const m of snapshot.members) {
				this.sql.exec("INSERT INTO members (user_id, role, muted) VALUES (?, ?, ?)", m.userId, m.role, m.muted ? 1 : 0);
			}
			this.setMeta("kind", "group");
			this.setMeta("groupId", snapshot.groupId);
			this.setMeta("groupMuted", snapshot.groupMuted ? "1" : "0");
			this.setMeta("dissolved", snapshot.dissolved ? "1" : "0");
		});
	}

	/** Records the two users of a private conversation and whether they may chat (see conversation-sync.ts). */
	async syncPrivate(snapshot: PrivateSnapshot): Promise<void> {
		this.ctx.storage.transactionSync(() => {
			this.sql.exec("DELETE FROM members");
			for (const userId of snapshot.users) {
				this.sql.exec("INSERT INTO members (user_id, role, muted) VALUES (?, 'member', 0)", userId);
			}
			this.setMeta("kind", "private");
			this.setMeta("conversationId", snapshot.conversationId);
			this.setMeta("privateCode", String(snapshot.code));
		});
	}

	async members(): Promise<ConversationMember[]> {
		return this.sql
			.exec<{ user_id: string; role: string; muted: number }>(
				"SELECT user_id, role, muted FROM members ORDER BY user_id",
			)
			.toArray()
			.map((r) => ({ userId: r.user_id, role: r.role as ConversationMember["role"], muted: r.muted === 1 }));
	}

	protected setMeta(key: string, value: string): void {
		this.sql.exec(
			"INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
			key,
			value,
		);
	}

	protected getMeta(key: string): string | null {
		return this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value ?? null;
	}
}
