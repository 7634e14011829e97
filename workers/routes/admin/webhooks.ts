import { Hono } from "hono";
import { z } from "zod";
import { CreatedWebhook, CreateWebhookRequest, WebhookList } from "../../../contracts/admin";
import { IdParam, PageQuery } from "../../../contracts/common";
import { ok } from "../../../domain/envelope";
import { doc, validate } from "../../lib/validate";
import { type AdminEnv, actorOf, requireAdmin } from "../../services/admin-auth";
import { createWebhook, listWebhooks, removeWebhook } from "../../services/webhooks";
import { tags, writers } from "./shared";

/** `/webhooks`: server hooks for bots and moderation (superadmins and admins; a hook sees every message). */
export const webhooks = new Hono<AdminEnv>();

webhooks.post(
	"/webhooks",
	requireAdmin,
	writers,
	doc({
		summary: "Register a server hook (superadmin or admin); the answer shows its secret once",
		description:
			"Events: message.created, message.recalled, friend.added, group.member_joined, user.registered (queued, at least once) and message.before_send (asked before a message is stored). A URL the environment does not allow (https to a public host in production): 400. Takes effect within WEBHOOK_CACHE_SECONDS (default 10) in every isolate.",
		tags,
		response: CreatedWebhook,
	}),
	validate("json", CreateWebhookRequest),
	async (c) => ok(c, await createWebhook(c.env, actorOf(c), c.req.valid("json"))),
);

webhooks.get(
	"/webhooks",
	requireAdmin,
	writers,
	doc({
		summary: "Server hooks, newest first, without their secrets (superadmin or admin)",
		tags,
		response: WebhookList,
	}),
	validate("query", PageQuery),
	async (c) => ok(c, await listWebhooks(c.env, c.req.valid("query"))),
);

webhooks.delete(
	"/webhooks/:webhookId",
	requireAdmin,
	writers,
	doc({
		summary: "Delete a server hook (superadmin or admin); its queued deliveries are dropped",
		description: "Unknown hook: 404.",
		tags,
		response: z.null(),
	}),
	validate("param", z.object({ webhookId: IdParam("webhookId") })),
	async (c) => {
		await removeWebhook(c.env, actorOf(c), c.req.valid("param").webhookId);
		return ok(c);
	},
);
