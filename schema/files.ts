import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * File metadata; the bytes live in R2 under `storageKey`. `status`: 2 processing (upload URL
 * issued), 1 active (upload verified), 0 deleted. `fileSize`/`mimeType` are the declared
 * values, which `complete` checks against the stored object before activating.
 */
export const files = sqliteTable(
	"files",
	{
		id: text("id").primaryKey(),
		userId: text("user_id").notNull(),
		fileName: text("file_name").notNull(),
		fileType: text("file_type").notNull(),
		fileSize: integer("file_size").notNull(),
		mimeType: text("mime_type").notNull(),
		storageKey: text("storage_key").notNull(),
		status: integer("status").notNull().default(2),
		createdAt: integer("created_at").notNull(),
		updatedAt: integer("updated_at").notNull(),
		expiresAt: integer("expires_at"),
	},
	(t) => [
		index("files_user_idx").on(t.userId, t.status, t.createdAt),
		index("files_expires_idx").on(t.expiresAt),
		index("files_status_created_idx").on(t.status, t.createdAt),
	],
);

/** A message in `conversationId` referenced the file: its members may read it. */
export const fileShares = sqliteTable(
	"file_shares",
	{
		fileId: text("file_id").notNull(),
		conversationId: text("conversation_id").notNull(),
		createdAt: integer("created_at").notNull(),
	},
	(t) => [primaryKey({ columns: [t.fileId, t.conversationId] })],
);
