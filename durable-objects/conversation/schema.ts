import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * A Conversation's own SQLite (not D1): the source of its drizzle-kit migrations
 * (drizzle.conversation.config.ts → durable-objects/conversation/drizzle/) and of its queries.
 */

/** One row per message; `seq` is the rowid, so a message ID (which carries its seq) is found without an index. */
export const messages = sqliteTable("messages", {
	seq: integer("seq").primaryKey(),
	messageId: text("message_id").notNull(),
	senderId: text("sender_id").notNull(),
	contentType: text("content_type").notNull(),
	content: text("content").notNull(),
	replyTo: text("reply_to").notNull().default(""),
	/** JSON array of user IDs. */
	atUsers: text("at_users").notNull().default("[]"),
	/** 0 normal, 1 recalled (content emptied). */
	status: integer("status").notNull().default(0),
	createdAt: integer("created_at").notNull(),
	/** The idempotency key with device_id and fingerprint ('' when the send had no localId). */
	localId: text("local_id").notNull().default(""),
	deviceId: text("device_id").notNull().default(""),
	fingerprint: text("fingerprint").notNull().default(""),
});

/** The copy of D1's member list (replaced wholesale by a sync). */
export const members = sqliteTable("members", {
	userId: text("user_id").primaryKey(),
	role: text("role").notNull(),
	muted: integer("muted").notNull().default(0),
});

/** What the conversation is: kind, IDs, mute/dissolved flags, whether a private pair may chat. */
export const meta = sqliteTable("meta", {
	key: text("key").primaryKey(),
	value: text("value").notNull(),
});

/** How far each member has read (written on reads and by the count flush). */
export const reads = sqliteTable("reads", {
	userId: text("user_id").primaryKey(),
	readSeq: integer("read_seq").notNull(),
});

/** Delete-for-me marks. */
export const hidden = sqliteTable(
	"hidden",
	{
		userId: text("user_id").notNull(),
		seq: integer("seq").notNull(),
	},
	(t) => [primaryKey({ columns: [t.userId, t.seq] })],
);

/**
 * Members of a large group whose hub has a live socket (presence.ts): a large group's messages
 * reach only these hubs live; everyone else reads the conversation's state when asked.
 */
export const online = sqliteTable("online", {
	userId: text("user_id").primaryKey(),
});

/** Integer settings of the object itself: the legacy schema version and the count flush checkpoint. */
export const bookkeeping = sqliteTable("bookkeeping", {
	key: text("key").primaryKey(),
	value: integer("value").notNull(),
});

export type MessageRow = typeof messages.$inferSelect;
