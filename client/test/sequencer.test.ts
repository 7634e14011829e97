import { describe, expect, it } from "vitest";
import type { Message } from "../api";
import { Sequencer } from "../realtime/sequencer";

const m = (conversationId: string, sequence: number, status = 0): Message => ({
	messageId: `${conversationId}-${sequence}`,
	conversationId,
	conversationType: "private",
	senderId: "u",
	contentType: "text",
	content: String(sequence),
	sequence,
	status,
	replyTo: "",
	atUsers: [],
	createdAt: 0,
	timestamp: 0,
});
const seqs = (list: Message[]) => list.map((x) => `${x.conversationId}:${x.sequence}`);

describe("Sequencer", () => {
	it("delivers in order, holds messages above a hole and reports the gap", () => {
		const s = new Sequencer();
		s.setBaseline("c", 0);
		let r = s.ingest([m("c", 1), m("c", 3), m("c", 4)]);
		expect(seqs(r.delivered)).toEqual(["c:1"]);
		expect(r.gaps).toEqual([{ conversationId: "c", after: 1, before: 3 }]);
		r = s.ingest([m("c", 2)]);
		expect(seqs(r.delivered)).toEqual(["c:2", "c:3", "c:4"]);
		expect(r.gaps).toEqual([]);
		expect(s.lastSeq("c")).toBe(4);
	});

	it("delivers each (conversation, sequence) exactly once", () => {
		const s = new Sequencer();
		s.setBaseline("c", 0);
		const a = s.ingest([m("c", 1), m("c", 1), m("c", 2)]);
		const b = s.ingest([m("c", 2), m("c", 1)]);
		expect(seqs(a.delivered)).toEqual(["c:1", "c:2"]);
		expect(b.delivered).toEqual([]);
	});

	it("orders a shuffled batch per conversation and keeps conversations apart", () => {
		const s = new Sequencer();
		s.setBaseline("a", 0);
		s.setBaseline("b", 10);
		const r = s.ingest([m("a", 3), m("b", 12), m("a", 1), m("b", 11), m("a", 2)]);
		expect(seqs(r.delivered.filter((x) => x.conversationId === "a"))).toEqual(["a:1", "a:2", "a:3"]);
		expect(seqs(r.delivered.filter((x) => x.conversationId === "b"))).toEqual(["b:11", "b:12"]);
	});

	it("starts an unknown conversation at its first message", () => {
		const s = new Sequencer();
		const r = s.ingest([m("new", 41), m("new", 42)]);
		expect(seqs(r.delivered)).toEqual(["new:41", "new:42"]);
		expect(r.gaps).toEqual([]);
	});

	it("reports a status change of a delivered message once (a recall seen through sync)", () => {
		const s = new Sequencer();
		s.setBaseline("c", 0);
		s.ingest([m("c", 1)]);
		expect(seqs(s.ingest([m("c", 1, 1)]).updated)).toEqual(["c:1"]);
		expect(s.ingest([m("c", 1, 1)]).updated).toEqual([]);
		// A copy from before the recall (a stale history page) is not reported as a change back.
		s.noteStatus("c", 2, 1);
		expect(seqs(s.ingest([m("c", 2, 1)]).updated)).toEqual([]);
	});

	it("reports a recalled copy of a message the app holds from history", () => {
		const s = new Sequencer();
		s.setBaseline("c", 10);
		expect(seqs(s.ingest([m("c", 4, 1)]).updated)).toEqual(["c:4"]);
		expect(s.ingest([m("c", 4, 0)]).updated).toEqual([]);
	});

	it("drops held messages a baseline already covers", () => {
		const s = new Sequencer();
		s.setBaseline("c", 0);
		s.ingest([m("c", 3)]);
		expect(s.pendingGaps()).toEqual([{ conversationId: "c", after: 0, before: 3 }]);
		s.ingest([m("c", 7)]);
		expect(seqs(s.setBaseline("c", 5))).toEqual([]);
		expect(s.pendingGaps()).toEqual([{ conversationId: "c", after: 5, before: 7 }]);
		expect(seqs(s.setBaseline("c", 6))).toEqual(["c:7"]);
		expect(s.pendingGaps()).toEqual([]);
		expect(s.ingest([m("c", 8)]).delivered.length).toBe(1);
	});
});
