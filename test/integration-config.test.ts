import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { superadminToken } from "./fixtures/admin";
import { fails, ok } from "./fixtures/api";
import { chatUser, closeAll, sendWs } from "./fixtures/chat";
import { makeFriends } from "./fixtures/social";

/** Moves a stored message back in time (state set up in storage, nothing mocked). */
const age = (convId: string, messageId: string, seconds: number) =>
	runInDurableObject(env.CONVERSATION.getByName(`conv:${convId}`), (_obj, state) => {
		state.storage.sql.exec("UPDATE messages SET created_at = created_at - ? WHERE message_id = ?", seconds, messageId);
	});

describe("runtime config", () => {
	it("the recall window follows message.max_recall without a redeploy", async () => {
		const sup = await superadminToken();
		const [alice, bob] = await Promise.all([chatUser(), chatUser()]);
		const ab = await makeFriends(alice, bob);
		const ids: string[] = [];
		for (let i = 0; i < 3; i++) {
			const ack = await sendWs(alice.a, { conversationId: ab, conversationType: "private", content: `m${i}` });
			ids.push(ack.payload.messageId);
			await age(ab, ack.payload.messageId, 90);
		}
		const recall = (i: number) => `/messages/${ids[i]}/recall`;

		// Default window 120 s: a 90-second-old message may be recalled.
		await ok("POST", recall(0), { token: alice.token });

		await ok("PUT", "/admin/config/message.max_recall", { token: sup, body: { value: "60" } });
		const refused = await fails("POST", recall(1), 403, 50104, { token: alice.token });
		expect(refused.body.message).toContain("60 seconds");

		await ok("PUT", "/admin/config/message.max_recall", { token: sup, body: { value: "120" } });
		await ok("POST", recall(1), { token: alice.token });
		expect(await ok("GET", `/messages/${ids[1]}`, { token: bob.token })).toMatchObject({ status: 1, content: "" });
		expect(await ok("GET", `/messages/${ids[2]}`, { token: bob.token })).toMatchObject({ status: 0, content: "m2" });
		closeAll(alice, bob);
	});
});
