/**
 * Server hooks (README "Webhooks"), through the real path: the admin API, events from the real
 * routes and objects, the real Queue and its consumer. The receiver is a fake outside service
 * (test/fixtures/webhook-receiver.ts, the project's outbound service). This project reads the hook
 * list on every lookup (WEBHOOK_CACHE_SECONDS 0) and retries at once (WEBHOOK_RETRY_BASE_SECONDS 0).
 */
import { describe, expect, it } from "vitest";
import { privateConversationId } from "../contracts/ids";
import { superadminToken } from "./fixtures/admin";
import { call, fails, ok } from "./fixtures/api";
import { chatUser, closeAll, newIn, sendWs, text } from "./fixtures/chat";
import { adminOf } from "./fixtures/route-table";
import { makeFriends, makeGroup } from "./fixtures/social";
import { registerUser } from "./fixtures/users";
import {
	createHook,
	deleteHook,
	hookName,
	hookUrl,
	scriptHook,
	signatureValid,
	waitForDeliveries,
	withHook,
} from "./fixtures/webhooks";

const ASYNC_EVENTS = ["message.created", "message.recalled", "friend.added", "group.member_joined", "user.registered"];

describe("admin API", () => {
	it("creates (secret once, generated or given), lists without secrets and deletes, at both base paths, audited", async () => {
		const token = await superadminToken();
		const name = hookName();
		const created = await ok("POST", "/admin/webhooks", {
			token,
			body: { url: hookUrl(name), events: ["user.registered", "message.created", "user.registered"] },
		});
		expect(created).toMatchObject({
			url: hookUrl(name),
			events: ["user.registered", "message.created"],
			timeoutMs: 2000,
			failOpen: false,
		});
		expect(created.secret).toMatch(/^[0-9a-f]{64}$/);
		const given = await ok("POST", "/admin/webhooks", {
			token,
			prefix: "/api",
			body: {
				url: hookUrl(name),
				events: ["message.before_send"],
				secret: "s".repeat(20),
				timeoutMs: 500,
				failOpen: true,
			},
		});
		expect(given).toMatchObject({ secret: "s".repeat(20), timeoutMs: 500, failOpen: true });

		for (const prefix of ["/api/v1", "/api"]) {
			const list = await ok("GET", "/admin/webhooks?pageSize=100", { token, prefix });
			const mine = list.list.filter((h: any) => h.url === hookUrl(name));
			expect(mine.map((h: any) => h.webhookId).sort()).toEqual([created.webhookId, given.webhookId].sort());
			expect(JSON.stringify(list)).not.toContain(created.secret);
			expect(JSON.stringify(list)).not.toContain("s".repeat(20));
			expect(mine.every((h: any) => !("secret" in h))).toBe(true);
		}

		await ok("DELETE", `/admin/webhooks/${created.webhookId}`, { token });
		await ok("DELETE", `/admin/webhooks/${given.webhookId}`, { token, prefix: "/api" });
		await fails("DELETE", `/admin/webhooks/${given.webhookId}`, 404, 404, { token });
		const after = await ok("GET", "/admin/webhooks?pageSize=100", { token });
		expect(after.list.some((h: any) => h.url === hookUrl(name))).toBe(false);

		for (const [action, id] of [
			["webhook.create", created.webhookId],
			["webhook.delete", created.webhookId],
			["webhook.create", given.webhookId],
		]) {
			const log = await ok("GET", `/admin/audit-logs?action=${action}&resourceType=webhook&resourceId=${id}`, {
				token,
			});
			expect(log.total).toBe(1);
			expect(JSON.stringify(log.list[0].details)).toContain(hookUrl(name));
			expect(JSON.stringify(log.list[0].details)).not.toContain("s".repeat(20));
		}
	});

	it("is for superadmins and admins: an operator gets 403 12106 on every webhook route, a user token 401/403", async () => {
		const admin = await adminOf("admin");
		const operator = await adminOf("operator");
		const user = await registerUser();
		const body = { url: hookUrl(hookName()), events: ["user.registered"] };
		const hook = await ok("POST", "/admin/webhooks", { token: admin.token, body });
		await ok("GET", "/admin/webhooks", { token: admin.token });
		await fails("POST", "/admin/webhooks", 403, 12106, { token: operator.token, body });
		await fails("GET", "/admin/webhooks", 403, 12106, { token: operator.token });
		await fails("DELETE", `/admin/webhooks/${hook.webhookId}`, 403, 12106, { token: operator.token });
		const asUser = await call("GET", "/admin/webhooks", { token: user.token });
		expect([401, 403]).toContain(asUser.status);
		await ok("DELETE", `/admin/webhooks/${hook.webhookId}`, { token: admin.token });
	});

	it("refuses bad input with a 400 naming the field", async () => {
		const token = await superadminToken();
		const url = hookUrl(hookName());
		const cases: [Record<string, unknown>, string][] = [
			[{ events: ["user.registered"] }, "url"],
			[{ url: "not a url", events: ["user.registered"] }, "url"],
			[{ url: "ftp://hooks.test/x", events: ["user.registered"] }, "url"],
			[{ url: "http://user:pw@hooks.test/x", events: ["user.registered"] }, "url"],
			[{ url, events: [] }, "events"],
			[{ url, events: ["message.deleted"] }, "events"],
			[{ url, events: "user.registered" }, "events"],
			[{ url, events: ["user.registered"], timeoutMs: 99 }, "timeoutMs"],
			[{ url, events: ["user.registered"], timeoutMs: 10_001 }, "timeoutMs"],
			[{ url, events: ["user.registered"], timeoutMs: 1.5 }, "timeoutMs"],
			[{ url, events: ["user.registered"], secret: "short" }, "secret"],
			[{ url, events: ["user.registered"], failOpen: "yes" }, "failOpen"],
		];
		for (const [body, field] of cases) {
			const res = await fails("POST", "/admin/webhooks", 400, 400, { token, body });
			expect(res.body.message, JSON.stringify(body)).toContain(field);
		}
		const list = await ok("GET", "/admin/webhooks?pageSize=100", { token });
		expect(list.list.some((h: any) => h.url === url)).toBe(false);
	});
});

describe("asynchronous events", () => {
	it("POSTs user.registered, friend.added, group.member_joined, message.created and message.recalled, signed", async () => {
		await withHook({ events: ASYNC_EVENTS }, async (hook) => {
			const [a, b, c] = await Promise.all([chatUser(), chatUser(), chatUser()]);
			const mine = (d: { body: { data: any } }) => JSON.stringify(d.body.data).includes(a.userId);

			const [registered] = await waitForDeliveries(hook.name, (d) => d.body.data.userId === a.userId);
			expect(registered!.body).toMatchObject({
				event: "user.registered",
				data: { userId: a.userId, nickname: a.nickname, avatar: "", signature: "", gender: 0, region: "" },
			});
			expect(registered!.body.data.createdAt).toBeGreaterThan(0);

			// friend.added, whether auto-accepted or accepted.
			await ok("PUT", "/users/me/settings", { token: b.token, body: { friendVerifyRequired: true } });
			const ab = await makeFriends(a, b);
			await makeFriends(a, c);
			const added = await waitForDeliveries(hook.name, (d) => d.body.event === "friend.added" && mine(d), 2);
			expect(added.map((d) => d.body.data.toUserId).sort()).toEqual([b.userId, c.userId].sort());
			expect(added[0]!.body.data).toMatchObject({ fromUserId: a.userId, status: "accepted" });
			expect(typeof added[0]!.body.data.requestId).toBe("number");

			const group = await makeGroup(a, [b]);
			await ok("POST", `/groups/${group.groupId}/members`, { token: a.token, body: { userIds: [c.userId] } });
			const joined = await waitForDeliveries(
				hook.name,
				(d) => d.body.event === "group.member_joined" && d.body.data.groupId === group.groupId,
				2,
			);
			expect(joined.map((d) => d.body.data.userIds)).toContainEqual([c.userId]);
			expect(joined.find((d) => d.body.data.userIds[0] === c.userId)!.body.data).toMatchObject({
				inviterUserId: a.userId,
				memberCount: 3,
			});

			const sent = await sendWs(a.a, { conversationId: ab, conversationType: "private", content: text("hello hook") });
			expect(sent.type).toBe("message.sent");
			const [created] = await waitForDeliveries(
				hook.name,
				(d) => d.body.event === "message.created" && d.body.data.messageId === sent.payload.messageId,
			);
			const live = (await b.a.waitForMessages(newIn(ab)))[0]!.payload.data;
			expect(created!.body.data).toEqual(live);
			expect(created!.body.data).toMatchObject({ content: text("hello hook"), senderInfo: { userId: a.userId } });

			await ok("POST", `/messages/${sent.payload.messageId}/recall`, { token: a.token });
			const [recalled] = await waitForDeliveries(
				hook.name,
				(d) => d.body.event === "message.recalled" && d.body.data.messageId === sent.payload.messageId,
			);
			expect(recalled!.body.data).toMatchObject({
				conversationId: ab,
				conversationType: "private",
				sequence: sent.payload.sequence,
				operatorId: a.userId,
			});

			for (const d of [registered!, ...added, ...joined, created!, recalled!]) {
				expect(d.headers["x-anychat-event"]).toBe(d.body.event);
				expect(d.headers["x-anychat-delivery"]).toBe(d.body.id);
				expect(Math.abs(Number(d.headers["x-anychat-timestamp"]) - Date.now() / 1000)).toBeLessThan(60);
				expect(d.headers["content-type"]).toContain("application/json");
				expect(await signatureValid(hook.secret, d)).toBe(true);
				expect(await signatureValid("another secret of enough length", d)).toBe(false);
			}
			expect(new Set([registered!, ...added, ...joined, created!, recalled!].map((d) => d.body.id)).size).toBe(7);
			closeAll(a, b, c);
		});
	});

	it("sends a hook only the events it subscribed to", async () => {
		await withHook({ events: ["friend.added"] }, async (hook) => {
			const [a, b] = await Promise.all([chatUser(), chatUser()]);
			const ab = await makeFriends(a, b);
			await sendWs(a.a, { conversationId: ab, conversationType: "private", content: text("not for the hook") });
			await waitForDeliveries(hook.name, (d) => d.body.data.fromUserId === a.userId);
			// The message's fan-out has run by the time b has it; give its queue message time to arrive.
			await b.a.waitForMessages(newIn(ab));
			await new Promise((r) => setTimeout(r, 1500));
			const all = await waitForDeliveries(hook.name, () => true, 1);
			expect(all.map((d) => d.body.event)).toEqual(["friend.added"]);
			closeAll(a, b);
		});
	});

	it("retries a failing receiver with the same delivery id until it answers 2xx", async () => {
		const name = hookName();
		await scriptHook(name, [{ status: 500 }, { status: 503 }, { status: 302, body: "" }, { status: 204, body: "" }]);
		const hook = await createHook({ events: ["user.registered"] }, name);
		try {
			const u = await registerUser();
			const tries = await waitForDeliveries(name, (d) => d.body.data.userId === u.userId, 4, 20_000);
			expect(new Set(tries.map((d) => d.body.id)).size).toBe(1);
			await new Promise((r) => setTimeout(r, 2500));
			expect(await waitForDeliveries(name, (d) => d.body.data.userId === u.userId)).toHaveLength(4);
		} finally {
			await deleteHook(hook.webhookId);
		}
	});

	it("gives up after max_retries (6): 7 attempts, then the message is dead-lettered and not seen again", async () => {
		const name = hookName();
		await scriptHook(name, [{ status: 500 }]);
		const hook = await createHook({ events: ["user.registered"] }, name);
		try {
			const u = await registerUser();
			await waitForDeliveries(name, (d) => d.body.data.userId === u.userId, 7, 25_000);
			await new Promise((r) => setTimeout(r, 3000));
			expect(await waitForDeliveries(name, (d) => d.body.data.userId === u.userId)).toHaveLength(7);
		} finally {
			await deleteHook(hook.webhookId);
		}
	}, 40_000);

	it("drops the pending deliveries of a deleted hook", async () => {
		const name = hookName();
		await scriptHook(name, [{ status: 500, delayMs: 300 }]);
		const hook = await createHook({ events: ["user.registered"] }, name);
		const u = await registerUser();
		await waitForDeliveries(name, (d) => d.body.data.userId === u.userId, 1);
		await deleteHook(hook.webhookId);
		const n = (await waitForDeliveries(name, (d) => d.body.data.userId === u.userId)).length;
		await new Promise((r) => setTimeout(r, 3000));
		// At most the attempt that was in flight when the hook went.
		expect((await waitForDeliveries(name, (d) => d.body.data.userId === u.userId)).length).toBeLessThanOrEqual(n + 1);
		expect(n).toBeLessThan(7);
	});
});

describe("private conversation IDs in events", () => {
	it("message.created names the canonical conversation even when sent to the peer's user ID", async () => {
		await withHook({ events: ["message.created"] }, async (hook) => {
			const [a, b] = await Promise.all([chatUser(), chatUser()]);
			await makeFriends(a, b);
			const sent = await sendWs(a.a, { conversationId: b.userId, conversationType: "private", content: text("x") });
			const [d] = await waitForDeliveries(hook.name, (x) => x.body.data.messageId === sent.payload.messageId);
			expect(d!.body.data.conversationId).toBe(privateConversationId(a.userId, b.userId));
			closeAll(a, b);
		});
	});
});
