import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Server hooks (README "Webhooks"): where events are POSTed and which. Read by every isolate
 * through a short cache (platform/webhook-registry.ts), so the send path reads no row per message.
 */
export const webhooks = sqliteTable("webhooks", {
	id: text("id").primaryKey(),
	url: text("url").notNull(),
	/** JSON array of event names (contracts/admin.ts WEBHOOK_EVENTS). */
	events: text("events").notNull(),
	/** HMAC-SHA256 key of the signature header; returned once, on creation. */
	secret: text("secret").notNull(),
	timeoutMs: integer("timeout_ms").notNull().default(2000),
	/** message.before_send only: allow the message when the hook times out or answers badly. */
	failOpen: integer("fail_open", { mode: "boolean" }).notNull().default(false),
	createdBy: text("created_by").notNull(),
	createdAt: integer("created_at").notNull(),
});
