import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { superadminToken } from "./fixtures/admin";
import { ok } from "./fixtures/api";
import { chatUser, closeAll, localId, sendWs } from "./fixtures/chat";
import { makeFriends, makeGroup } from "./fixtures/social";

const conv = (id: string) => env.CONVERSATION.getByName(`conv:${id}`);
const overview = (token: string) => ok("GET", "/admin/stats/overview", { token });

/** What a Conversation holds back for the daily counter, and whether its flush alarm is set. */
const pendingIn = (id: string) =>
	runInDurableObject(conv(id), async (_obj, state) => ({
		pending: Number(
			state.storage.sql
				.exec(
					"SELECT COUNT(*) AS n FROM messages WHERE seq > (SELECT COALESCE(MAX(value), 0) FROM bookkeeping WHERE key = 'flushed_seq')",
				)
				.one().n,
		),
		alarmSet: (await state.storage.getAlarm()) !== null,
	}));

describe("admin stats: messages today", () => {
	it("counts every stored message once, flushed to D1 in batches by each Conversation's alarm", async () => {
		const sup = await superadminToken();
		const [alice, bob] = await Promise.all([chatUser(), chatUser()]);
		const ab = await makeFriends(alice, bob);
		const g = (await makeGroup(alice, [bob])).groupId;
		const before = await overview(sup);

		const retried = localId();
		for (let i = 0; i < 3; i++)
			await sendWs(alice.a, { conversationId: ab, conversationType: "private", content: `p${i}` });
		await sendWs(bob.a, { conversationId: ab, conversationType: "private", content: "once", localId: retried });
		// A retry of an accepted message and a refused message store nothing and count nothing.
		await sendWs(bob.b, { conversationId: ab, conversationType: "private", content: "once", localId: retried });
		expect((await sendWs(alice.a, { conversationId: ab, conversationType: "private", content: "" })).type).toBe(
			"message.error",
		);
		for (let i = 0; i < 2; i++)
			await ok("POST", "/messages", {
				token: bob.token,
				body: { conversationId: g, conversationType: "group", contentType: "text", content: `g${i}` },
			});

		// The counts wait in each Conversation's own storage with one alarm set, unless that
		// alarm already ran (it fires a few seconds after the first message).
		for (const [id, sent] of [
			[ab, 4],
			[g, 2],
		] as const) {
			const state = await pendingIn(id);
			expect(state).toEqual(state.alarmSet ? { pending: sent, alarmSet: true } : { pending: 0, alarmSet: false });
		}

		// Flush now (the alarm the runtime would run) and read the overview.
		await runDurableObjectAlarm(conv(ab));
		await runDurableObjectAlarm(conv(g));
		expect(await pendingIn(ab)).toEqual({ pending: 0, alarmSet: false });
		expect(await pendingIn(g)).toEqual({ pending: 0, alarmSet: false });
		const after = await overview(sup);
		expect(after.messagesToday - before.messagesToday).toBe(6);
		expect(after.totalMessages - before.totalMessages).toBe(6);

		// The next message arms the alarm again.
		await sendWs(alice.a, { conversationId: ab, conversationType: "private", content: "later" });
		await runDurableObjectAlarm(conv(ab));
		expect((await overview(sup)).messagesToday - before.messagesToday).toBe(7);
		closeAll(alice, bob);
	});
});
