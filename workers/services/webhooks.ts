import type { z } from "zod";
import type { CreateWebhookRequest } from "../../contracts/admin";
import type { WebhookEvent } from "../../contracts/webhooks";
import type { PageParams } from "../../db/paging";
import { deleteWebhook, insertWebhook, type WebhookRow, webhookPage } from "../../db/webhooks";
import { isProduction } from "../../domain/config";
import type { Bindings } from "../../domain/env";
import { now } from "../../domain/time";
import { forgetWebhooks } from "../../platform/webhook-registry";
import { badRequest, notFound } from "../lib/errors";
import { pageOut } from "../lib/paging";
import type { Actor } from "./admin-auth";
import { audit } from "./audit";
import { webhookUrlProblem } from "./webhooks-url";

/** Server hooks as the back office creates, lists and deletes them (README "Webhooks"). */

/** 32 random bytes as hex: the generated signing secret. */
const newSecret = () =>
	[...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("");

/** A hook on the wire: never its secret. */
const webhookOut = (r: WebhookRow) => ({
	webhookId: r.id,
	url: r.url,
	events: JSON.parse(r.events) as WebhookEvent[],
	timeoutMs: r.timeoutMs,
	failOpen: r.failOpen,
	createdBy: r.createdBy,
	createdAt: r.createdAt,
});

/** Stores a hook; the answer carries its secret, the only time it is shown. */
export async function createWebhook(env: Bindings, actor: Actor, body: z.output<typeof CreateWebhookRequest>) {
	const problem = webhookUrlProblem(body.url, isProduction(env));
	if (problem) throw badRequest(problem);
	const row: WebhookRow = {
		id: crypto.randomUUID(),
		url: body.url,
		events: JSON.stringify(body.events),
		secret: body.secret ?? newSecret(),
		timeoutMs: body.timeoutMs,
		failOpen: body.failOpen,
		createdBy: actor.adminId,
		createdAt: now(),
	};
	await insertWebhook(env, row);
	forgetWebhooks();
	await audit(env, actor, {
		action: "webhook.create",
		resourceType: "webhook",
		resourceId: row.id,
		details: { url: row.url, events: body.events, timeoutMs: row.timeoutMs, failOpen: row.failOpen },
	});
	return { ...webhookOut(row), secret: row.secret };
}

export async function listWebhooks(env: Bindings, p: PageParams) {
	const { rows, total } = await webhookPage(env, p);
	return pageOut(rows.map(webhookOut), total, p);
}

/** Deletes a hook; its queued deliveries are dropped when they come up. */
export async function removeWebhook(env: Bindings, actor: Actor, webhookId: string): Promise<void> {
	const row = await deleteWebhook(env, webhookId);
	if (!row) throw notFound("webhook not found");
	forgetWebhooks();
	await audit(env, actor, {
		action: "webhook.delete",
		resourceType: "webhook",
		resourceId: webhookId,
		details: { url: row.url, events: JSON.parse(row.events) as unknown },
	});
}
