/**
 * The delivery soak (npm run test:soak; not in CI): 20 senders × 500 messages into one group
 * against a real `wrangler dev`, first with receivers (some with two devices) connecting and
 * disconnecting at random, then the same load again with `wrangler dev` SIGKILLed twice mid-send
 * and restarted on the same state. Figures are printed; every violation fails the run.
 * Bounded version in `npm run test:e2e`: e2e/delivery.e2e.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import { LOAD_VARS, runDeliveryScenario, type ScenarioOptions } from "./delivery-harness";
import { type DevServer, startDevServer } from "./server";

const SENDERS = Number(process.env.SOAK_SENDERS ?? 20);
const PER_SENDER = Number(process.env.SOAK_PER_SENDER ?? 500);
const TIMEOUT_MS = 25 * 60_000;

let server: DevServer | undefined;
afterEach(async () => {
	await server?.stop();
	server = undefined;
});

const base: Omit<ScenarioOptions, "killAt"> = {
	senders: SENDERS,
	perSender: PER_SENDER,
	receivers: 8,
	twoDeviceEvery: 2,
	window: 20,
	maxChurn: 2_000,
	churnPauseMs: [100, 1_500],
	timeoutMs: TIMEOUT_MS,
	log: (l) => console.log(`[soak] ${l}`),
};

describe("delivery soak", () => {
	it.each([
		["receivers churning", [] as number[]],
		["receivers churning and two SIGKILLs of wrangler dev", [0.3, 0.65]],
	])(
		`${SENDERS} senders × ${PER_SENDER} messages, %s`,
		async (_name, killAt) => {
			server = await startDevServer({ vars: LOAD_VARS });
			const { figures, problems } = await runDeliveryScenario(server, { ...base, killAt });
			console.log(`[soak] figures ${JSON.stringify(figures)}`);
			expect(problems.slice(0, 50)).toEqual([]);
			expect(figures).toMatchObject({
				messages: SENDERS * PER_SENDER,
				stored: SENDERS * PER_SENDER,
				kills: killAt.length,
				losses: 0,
				duplicates: 0,
				disorders: 0,
			});
		},
		TIMEOUT_MS + 120_000,
	);
});
