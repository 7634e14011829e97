/**
 * Where a hook may point (production: https to a public host; development: http and private
 * addresses too), how long failed deliveries wait, how long an isolate trusts its hook list.
 * The worker tests run in development; production is exercised here through the policy
 * function and through the create service with ENVIRONMENT=production over the real D1.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Bindings } from "../domain/env";
import { cacheSecondsOf, WEBHOOK_CACHE_SECONDS } from "../platform/webhook-registry";
import { createWebhook, listWebhooks } from "../workers/services/webhooks";
import { RETRY_BASE_SECONDS, RETRY_MAX_SECONDS, retryDelaySeconds } from "../workers/services/webhooks-delivery";
import { webhookUrlProblem } from "../workers/services/webhooks-url";
import { hookName, hookUrl } from "./fixtures/webhooks";

const PRIVATE = [
	"https://localhost/hook",
	"https://api.localhost/hook",
	"https://127.0.0.1/hook",
	"https://127.1/hook",
	"https://2130706433/hook",
	"https://0x7f000001/hook",
	"https://0.0.0.0/hook",
	"https://10.1.2.3/hook",
	"https://172.16.0.1/hook",
	"https://172.31.255.255/hook",
	"https://192.168.1.10/hook",
	"https://169.254.169.254/latest/meta-data",
	"https://100.64.0.1/hook",
	"https://224.0.0.1/hook",
	"https://[::1]/hook",
	"https://[::]/hook",
	"https://[fd00::1]/hook",
	"https://[fe80::1]/hook",
	"https://[::ffff:127.0.0.1]/hook",
	"https://[::ffff:10.0.0.1]/hook",
	"https://intranet/hook",
	"https://printer.local/hook",
	"https://db.internal/hook",
];

describe("webhook URL policy", () => {
	it("production: https to a public host only", () => {
		for (const ok of [
			"https://bot.example.com/anychat",
			"https://hooks.example.org:8443/x?y=1",
			"https://8.8.8.8/hook",
			"https://172.32.0.1/hook",
			"https://[2606:4700::1111]/hook",
		])
			expect(webhookUrlProblem(ok, true), ok).toBeNull();
		expect(webhookUrlProblem("http://bot.example.com/anychat", true)).toBe("url must use https");
		for (const url of PRIVATE) expect(webhookUrlProblem(url, true), url).toMatch(/private address|public host/);
		expect(webhookUrlProblem("https://user:pw@bot.example.com/", true)).toBe("url must not carry credentials");
		expect(webhookUrlProblem("ftp://bot.example.com/", true)).toBe("url must use https");
		expect(webhookUrlProblem("nonsense", true)).toBe("url must be an absolute URL");
	});

	it("development: http and private addresses too, still no other scheme and no credentials", () => {
		for (const url of [...PRIVATE, "http://127.0.0.1:9000/hook", "http://localhost:3000/", "http://bot.example.com/"])
			expect(webhookUrlProblem(url, false), url).toBeNull();
		expect(webhookUrlProblem("ftp://bot.example.com/", false)).toBe("url must use http or https");
		expect(webhookUrlProblem("javascript:alert(1)", false)).toBe("url must use http or https");
		expect(webhookUrlProblem("http://user:pw@127.0.0.1/", false)).toBe("url must not carry credentials");
	});

	it("the create service applies the environment's policy (ENVIRONMENT=production over the real D1)", async () => {
		const production = { ...env, ENVIRONMENT: "production" } as Bindings;
		const actor = { adminId: "policy-test", ip: "" };
		const body = { events: ["user.registered" as const], timeoutMs: 2000, failOpen: false };
		await expect(createWebhook(production, actor, { ...body, url: "http://bot.example.com/" })).rejects.toMatchObject({
			status: 400,
			message: "url must use https",
		});
		await expect(
			createWebhook(production, actor, { ...body, url: "https://169.254.169.254/latest" }),
		).rejects.toMatchObject({ status: 400, message: "url must not name a private address" });
		const made = await createWebhook(production, actor, { ...body, url: "https://bot.example.com/anychat" });
		expect(made.url).toBe("https://bot.example.com/anychat");
		// The same private URL is fine in development (this project's environment).
		const dev = await createWebhook(env as Bindings, actor, { ...body, url: hookUrl(hookName()) });
		const listed = (await listWebhooks(env as Bindings, { page: 1, pageSize: 100 })).list.map((h) => h.webhookId);
		expect(listed).toEqual(expect.arrayContaining([made.webhookId, dev.webhookId]));
	});
});

describe("delivery retries", () => {
	it("wait base × 2^(attempts − 1) seconds, capped", () => {
		expect([1, 2, 3, 4, 5, 6].map((n) => retryDelaySeconds(n))).toEqual([10, 20, 40, 80, 160, 320]);
		expect(RETRY_BASE_SECONDS).toBe(10);
		expect(retryDelaySeconds(30)).toBe(RETRY_MAX_SECONDS);
		expect(retryDelaySeconds(3, 0)).toBe(0);
	});
});

describe("hook list cache", () => {
	it("WEBHOOK_CACHE_SECONDS: seconds, 0 = no cache, anything else the default", () => {
		expect(cacheSecondsOf({})).toBe(WEBHOOK_CACHE_SECONDS);
		expect(WEBHOOK_CACHE_SECONDS).toBe(10);
		expect(cacheSecondsOf({ WEBHOOK_CACHE_SECONDS: "0" })).toBe(0);
		expect(cacheSecondsOf({ WEBHOOK_CACHE_SECONDS: "2.5" })).toBe(2.5);
		expect(cacheSecondsOf({ WEBHOOK_CACHE_SECONDS: "-1" })).toBe(WEBHOOK_CACHE_SECONDS);
		expect(cacheSecondsOf({ WEBHOOK_CACHE_SECONDS: "soon" })).toBe(WEBHOOK_CACHE_SECONDS);
		expect(cacheSecondsOf({ WEBHOOK_CACHE_SECONDS: "" })).toBe(WEBHOOK_CACHE_SECONDS);
	});
});
