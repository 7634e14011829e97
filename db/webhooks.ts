import { desc, eq, inArray, sql } from "drizzle-orm";
import type { Bindings } from "../domain/env";
import { webhooks } from "../schema";
import { dbOf } from "./client";
import { countOf, fetchPage, type PageParams } from "./paging";

export type WebhookRow = typeof webhooks.$inferSelect;

/** Server hooks: the admin API writes them, the registry cache and the delivery consumer read them. */

export async function insertWebhook(env: Bindings, row: WebhookRow): Promise<void> {
	await dbOf(env).insert(webhooks).values(row);
}

/**
 * Every hook, secrets included, in creation order: what the per-isolate registry keeps (few
 * rows, read at most once per TTL). Ordered by SQLite's rowid, which drizzle has no column for:
 * created_at is in seconds and cannot order two hooks made in the same second.
 */
export const allWebhooks = (env: Bindings) => dbOf(env).select().from(webhooks).orderBy(sql`rowid`);

/** The hooks of a delivery batch, by ID (a deleted hook is simply missing). */
export async function webhooksByIds(env: Bindings, ids: string[]): Promise<Map<string, WebhookRow>> {
	if (!ids.length) return new Map();
	const rows = await dbOf(env).select().from(webhooks).where(inArray(webhooks.id, ids));
	return new Map(rows.map((r) => [r.id, r]));
}

/** One page of hooks, newest first (the ID breaks ties so pages neither repeat nor skip). */
export async function webhookPage(env: Bindings, p: PageParams) {
	const db = dbOf(env);
	const rows = db.select().from(webhooks).orderBy(desc(webhooks.createdAt), desc(webhooks.id));
	return (await fetchPage(db, rows, countOf(db, webhooks), p)) as { rows: WebhookRow[]; total: number };
}

/** Deletes a hook; the deleted row, or undefined when there was none with this ID. */
export async function deleteWebhook(env: Bindings, id: string): Promise<WebhookRow | undefined> {
	const [row] = await dbOf(env).delete(webhooks).where(eq(webhooks.id, id)).returning();
	return row;
}
