import { sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * A UserHub's own SQLite (not D1): the source of its drizzle-kit migrations
 * (drizzle.user-hub.config.ts → durable-objects/user-hub/drizzle/) and of its queries.
 */

/** One JSON row per conversation of the user: its flags and, for a checkpointing hub, the rest of the row. */
export const sessions = sqliteTable("sessions", {
	conversationId: text("conversation_id").primaryKey(),
	row: text("row").notNull(),
});

/** `userId`; the `checkpoint` and `dirty` marks (see checkpoint.ts). */
export const hubMeta = sqliteTable("hub_meta", {
	key: text("key").primaryKey(),
	value: text("value").notNull(),
});
