import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** One row per push attempt per device token (push.md's push log); written by the queue consumer only. */
export const pushLogs = sqliteTable(
	"push_logs",
	{
		id: integer("id").primaryKey({ autoIncrement: true }),
		userId: text("user_id").notNull(),
		deviceId: text("device_id").notNull(),
		provider: text("provider").notNull(),
		type: text("type").notNull(),
		title: text("title").notNull(),
		body: text("body").notNull(),
		conversationId: text("conversation_id").notNull().default(""),
		status: text("status").notNull(),
		/** Why a `failed` push failed, when known (e.g. "credential: …" for a refused push credential). */
		error: text("error"),
		createdAt: integer("created_at").notNull(),
	},
	(t) => [index("push_logs_user_idx").on(t.userId, t.createdAt)],
);
