/**
 * A message in an established conversation costs no D1 statement: membership, sender card and
 * sequence live in the Conversation; counts reach D1 later, in the flush (issue: no D1 query on
 * the send path). Counted by the statements the server prepares (db/client.ts, /health header).
 */
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { chatUser, closeAll, newIn, sendWs } from "./fixtures/chat";
import { makeFriends, makeGroup } from "./fixtures/social";

const statements = async () => {
	const res = await SELF.fetch("http://anychat.test/health");
	await res.text();
	return Number(res.headers.get("X-D1-Statements"));
};

describe("send path", () => {
	it("runs no D1 statement for messages in an established private chat or group, over the socket", async () => {
		const [a, b, c] = await Promise.all([chatUser(), chatUser(), chatUser()]);
		const ab = await makeFriends(a, b);
		const g = (await makeGroup(a, [b, c])).groupId;
		const text = (t: string) => JSON.stringify({ text: t });
		// The first messages load what the conversations keep: the sender's card, the member list.
		await sendWs(a.a, { conversationId: ab, conversationType: "private", content: text("warm") });
		await sendWs(a.a, { conversationId: g, conversationType: "group", content: text("warm") });
		await b.b.waitForMessages(newIn(g));
		const before = await statements();
		expect(before).toBeGreaterThan(0);
		for (let i = 0; i < 5; i++) {
			expect(
				(await sendWs(a.a, { conversationId: ab, conversationType: "private", content: text(`p${i}`) })).type,
			).toBe("message.sent");
			expect((await sendWs(a.a, { conversationId: g, conversationType: "group", content: text(`g${i}`) })).type).toBe(
				"message.sent",
			);
		}
		await b.b.waitForMessages(newIn(ab), 6);
		await c.b.waitForMessages(newIn(g), 6);
		expect(await statements()).toBe(before);
		closeAll(a, b, c);
	});
});
