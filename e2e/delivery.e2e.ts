/**
 * Bounded version of the delivery soak (npm run test:soak): 4 senders × 50 messages into one
 * group, receivers (one with two devices) dropping in and out at random, and one SIGKILL of
 * `wrangler dev` mid-send with a restart on the same state. Every device must end with
 * sequences 1…200 exactly once and in order; every ack must be stored once, at its sequence.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOAD_VARS, runDeliveryScenario } from "./delivery-harness";
import { type DevServer, startDevServer } from "./server";

let server: DevServer;

beforeAll(async () => {
	server = await startDevServer({ vars: LOAD_VARS });
});
afterAll(async () => {
	await server?.stop();
});

describe("no loss, no duplicates, no disorder (bounded)", () => {
	it("4 senders × 50 with receiver churn and one kill -9 of the server", async () => {
		const { figures, problems } = await runDeliveryScenario(server, {
			senders: 4,
			perSender: 50,
			receivers: 3,
			twoDeviceEvery: 3,
			window: 10,
			killAt: [0.4],
			maxChurn: 40,
			churnPauseMs: [50, 400],
			timeoutMs: 90_000,
			log: (l) => console.log(`[delivery] ${l}`),
		});
		expect(problems).toEqual([]);
		expect(figures).toMatchObject({ messages: 200, stored: 200, kills: 1, losses: 0, duplicates: 0, disorders: 0 });
		// The kill really cut sends off: some went out again from the outbox.
		expect(figures.unackedAtKills).toBeGreaterThan(0);
		expect(figures.resent).toBeGreaterThan(0);
	});
});
