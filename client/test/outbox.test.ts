import { describe, expect, it } from "vitest";
import type { SendPayload } from "../api";
import { Outbox } from "../realtime/outbox";

const msg = (localId: string): SendPayload => ({
	conversationId: "p_a_b",
	conversationType: "private",
	contentType: "text",
	content: localId,
	localId,
});

describe("Outbox", () => {
	it("keeps unacknowledged messages in send order with their original localId", () => {
		const box = new Outbox();
		for (const id of ["1", "2", "3"]) box.add(msg(id));
		box.ack({ localId: "2", conversationId: "c", messageId: "m2", sequence: 7, timestamp: 1 });
		expect(box.pending().map((e) => e.payload.localId)).toEqual(["1", "3"]);
		expect(box.size).toBe(2);
	});

	it("does not duplicate an entry added twice and ignores unknown acks", () => {
		const box = new Outbox();
		const a = box.add(msg("x"));
		const b = box.add({ ...msg("x"), content: "other" });
		expect(b).toBe(a);
		expect(
			box.ack({ localId: "nope", conversationId: "c", messageId: "m", sequence: 1, timestamp: 1 }),
		).toBeUndefined();
		expect(box.size).toBe(1);
	});

	it("counts attempts and drops an entry on a definite refusal", () => {
		const box = new Outbox();
		box.add(msg("x"));
		box.markAttempt("x");
		box.markAttempt("x");
		expect(box.pending()[0]!.attempts).toBe(2);
		expect(box.fail("x")?.payload.localId).toBe("x");
		expect(box.has("x")).toBe(false);
	});
});
