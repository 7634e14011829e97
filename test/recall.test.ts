import { describe, expect, it } from "vitest";
import { fails, ok } from "./fixtures/api";
import { makeFriends } from "./fixtures/social";
import { registerUser } from "./fixtures/users";
import { connect, roundTrip } from "./fixtures/ws";

describe("recall of an already recalled message", () => {
	it("is refused to the other participant and announced only once", async () => {
		const [a, b] = await Promise.all([registerUser(), registerUser()]);
		const conversationId = await makeFriends(a, b);
		const sent = await ok("POST", "/messages", {
			token: a.token,
			body: { conversationId, conversationType: "private", contentType: "text", content: "oops", localId: "r1" },
		});
		await ok("POST", `/messages/${sent.messageId}/recall`, { token: a.token });
		const watcher = await connect(b.token);
		await fails("POST", `/messages/${sent.messageId}/recall`, 403, 50106, { token: b.token });
		// The sender repeating it succeeds without a second message.recalled.
		await ok("POST", `/messages/${sent.messageId}/recall`, { token: a.token });
		await roundTrip(watcher);
		expect(watcher.notifications("message.recalled")).toHaveLength(0);
		const msg = await ok("GET", `/messages/${sent.messageId}`, { token: b.token });
		expect(msg).toMatchObject({ status: 1, content: "" });
		watcher.close();
	});
});
