// The frame tracker of the npm start relay (scripts/front-relay.ts): close frames found in any split.
import { describe, expect, it } from "vitest";
import { FrameTracker, parseHeader } from "../../scripts/front-relay";

/** A frame as a client (masked) or a server (unmasked) sends it. */
function frame(opcode: number, payloadLength: number, masked: boolean): Buffer {
	const len =
		payloadLength < 126
			? [payloadLength]
			: payloadLength < 65536
				? [126, payloadLength >> 8, payloadLength & 255]
				: [
						127,
						0,
						0,
						0,
						0,
						(payloadLength >>> 24) & 255,
						(payloadLength >> 16) & 255,
						(payloadLength >> 8) & 255,
						payloadLength & 255,
					];
	const head = Buffer.from([0x80 | opcode, (masked ? 0x80 : 0) | len[0]!, ...len.slice(1)]);
	// Payload bytes that look like frame headers (0x88 = a close), so a tracker that reads them as headers fails.
	return Buffer.concat([head, masked ? Buffer.from([1, 2, 3, 4]) : Buffer.alloc(0), Buffer.alloc(payloadLength, 0x88)]);
}

/** Feeds `bytes` to a tracker in pieces of `size`; returns whether it saw a close before the end and at the end. */
function feed(bytes: Buffer, size: number, beforeLast: number) {
	const t = new FrameTracker();
	let early = false;
	for (let i = 0; i < bytes.length; i += size) {
		t.push(bytes.subarray(i, Math.min(i + size, bytes.length)));
		if (i + size < beforeLast && t.closed) early = true;
	}
	return { early, closed: t.closed };
}

describe("FrameTracker", () => {
	for (const masked of [false, true]) {
		it(`finds the close after text and binary frames of all three length forms (${masked ? "client, masked" : "server"}), however the bytes are split`, () => {
			const before = Buffer.concat([
				frame(1, 5, masked),
				frame(2, 300, masked),
				frame(1, 70_000, masked),
				frame(9, 0, masked),
			]);
			const stream = Buffer.concat([before, frame(8, 2, masked)]);
			for (const size of [1, 2, 3, 7, 125, 4096, stream.length]) {
				expect(feed(stream, size, before.length), `pieces of ${size}`).toEqual({ early: false, closed: true });
			}
			expect(feed(before, 3, before.length + 1)).toEqual({ early: false, closed: false });
		});
	}

	it("parses headers only when complete", () => {
		expect(parseHeader(Buffer.from([0x81]))).toBeNull();
		expect(parseHeader(Buffer.from([0x81, 0xfe, 0x01]))).toBeNull();
		expect(parseHeader(Buffer.from([0x81, 0x85, 1, 2, 3]))).toBeNull();
		expect(parseHeader(Buffer.from([0x88, 0x82, 1, 2, 3, 4]))).toEqual({ opcode: 8, headerLength: 6, payload: 2 });
		expect(parseHeader(Buffer.from([0x82, 0x7e, 0x01, 0x2c]))).toEqual({ opcode: 2, headerLength: 4, payload: 300 });
	});
});
