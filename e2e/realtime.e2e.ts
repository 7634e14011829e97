/**
 * The client library against a real `wrangler dev`, in Node: two users each send 200
 * messages while their sockets are dropped midway; afterwards both hold the same 400
 * messages exactly once, in sequence order.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AnyChatClient, type Message, type RealtimeClient, type SocketConstructor } from "../client";
import { decodeClientFrame } from "../contracts/frame-codec";
import { privateConversationId } from "../contracts/ids";
import { type DevServer, LOAD_VARS, startDevServer } from "./server";

const PER_USER = 200;
let server: DevServer;

beforeAll(async () => {
	// 400 sends at the default 5 a second would make this a test of the rate limit (the client
	// waits out 429s, client/test/realtime.test.ts); raised as for a load test (README).
	server = await startDevServer({ vars: LOAD_VARS });
});
afterAll(async () => {
	await server?.stop();
});

async function account(name: string) {
	const api = new AnyChatClient({ baseUrl: server.url });
	const id = `${name}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
	const r = await api.auth.register({
		email: `${id}@example.com`,
		password: "Passw0rd!",
		verifyCode: "000000",
		nickname: id.slice(0, 20),
		deviceType: "PC",
		deviceId: `node-${id}`,
		clientVersion: "e2e",
	});
	return { api, userId: r.userId };
}

/**
 * The platform WebSocket, counting the sockets opened and the message.send frames written
 * (either wire), with a handle on the newest socket so the test can kill it under the library.
 */
function countingSocket() {
	const stats = { opened: 0, sends: 0 };
	let current: WebSocket | null = null;
	class Counted extends WebSocket {
		constructor(url: string | URL, protocols?: string | string[]) {
			super(url, protocols);
			stats.opened++;
			current = this;
		}
		override send(data: string | ArrayBufferLike | Blob | ArrayBufferView) {
			const frame =
				typeof data === "string" ? JSON.parse(data) : decodeClientFrame(new Uint8Array(data as ArrayBuffer));
			if (frame.type === "message.send") stats.sends++;
			super.send(data);
		}
	}
	// Frames still on the wire are lost: a closing socket delivers no more messages (acks included).
	const kill = () => current?.close(3000, "killed by the test");
	return { stats, kill, WebSocket: Counted as unknown as SocketConstructor };
}

function collect(rt: RealtimeClient) {
	const got: Message[] = [];
	rt.on("message", (m) => got.push(m));
	return got;
}

describe("client library against the real server", () => {
	it(`two users send ${PER_USER} messages each across dropped sockets; both end with all of them once, in order`, async () => {
		const a = await account("a");
		const b = await account("b");
		const req = await a.api.friends.sendRequest({ userId: b.userId, source: "search" });
		if (!req.autoAccepted) await b.api.friends.handleRequest(req.requestId, { action: "accept" });
		const conv = privateConversationId(a.userId, b.userId);

		const fast = { backoff: { baseMs: 50, maxMs: 500 } };
		const sockA = countingSocket();
		const sockB = countingSocket();
		// One side speaks JSON, the other protobuf: the same conversation over both encodings.
		const rtA = a.api.realtime({ ...fast, WebSocket: sockA.WebSocket, wire: "json" });
		const rtB = b.api.realtime({ ...fast, WebSocket: sockB.WebSocket, wire: "pb" });
		const gotA = collect(rtA);
		const gotB = collect(rtB);
		// Both start from an empty history: everything from sequence 1 on is theirs to receive.
		rtA.known(conv, 0);
		rtB.known(conv, 0);
		rtA.connect();
		rtB.connect();
		await expect.poll(() => [rtA.status, rtB.status], { timeout: 15_000 }).toEqual(["live", "live"]);

		let acks = 0;
		let dropped = false;
		let unackedAtDrop = 0;
		const drop = () => {
			if (dropped || ++acks < PER_USER / 2) return;
			dropped = true;
			unackedAtDrop = rtA.outbox.size + rtB.outbox.size;
			// From outside the library, like a network failure: it has to notice and recover by itself.
			sockA.kill();
			sockB.kill();
		};
		rtA.on("ack", drop);
		rtB.on("ack", drop);

		const sends: Promise<unknown>[] = [];
		for (let i = 0; i < PER_USER; i++) {
			for (const [rt, who] of [
				[rtA, "a"],
				[rtB, "b"],
			] as const) {
				sends.push(
					rt.send({
						conversationId: conv,
						conversationType: "private",
						contentType: "text",
						content: JSON.stringify({ text: `${who}${i}` }),
					}),
				);
			}
		}
		await Promise.all(sends);
		expect(dropped).toBe(true);
		// The drop really cut sends off: these went out again on the new sockets, with their localIds.
		expect(unackedAtDrop).toBeGreaterThan(0);
		expect([sockA.stats.opened, sockB.stats.opened]).toEqual([2, 2]);
		expect(sockA.stats.sends + sockB.stats.sends).toBe(2 * PER_USER + unackedAtDrop);
		const total = 2 * PER_USER;
		await expect.poll(() => [gotA.length, gotB.length], { timeout: 60_000, interval: 200 }).toEqual([total, total]);

		for (const got of [gotA, gotB]) {
			expect(got.map((m) => m.sequence)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
			const texts = got.map((m) => JSON.parse(m.content).text as string);
			expect(new Set(texts).size).toBe(total);
		}
		// The same message under the same sequence on both sides.
		expect(gotA.map((m) => `${m.sequence}:${m.messageId}`)).toEqual(gotB.map((m) => `${m.sequence}:${m.messageId}`));
		expect(rtA.outbox.size + rtB.outbox.size).toBe(0);
		rtA.close();
		rtB.close();
	});
});
