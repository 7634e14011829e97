/**
 * "No loss, no duplicates, no disorder" against a real `wrangler dev`, through the client
 * library only: senders push messages into one group through their RealtimeClient (outbox,
 * re-send by localId), receivers (some with two devices) connect and disconnect at random,
 * and the server can be SIGKILLed mid-send and restarted on the same state. Afterwards the
 * harness checks every device, every ack and the stored history (GET /sessions/{id}/messages).
 *
 * Used by the bounded e2e test (e2e/delivery.e2e.ts) and the soak (e2e/delivery.soak.ts).
 * Every loop is bounded in count and time; the server is only on 127.0.0.1.
 */
import { AnyChatClient, type Message, type RealtimeClient, type RealtimeState, type SendAck } from "../client";
import type { DevServer } from "./server";

export { LOAD_VARS } from "./server";

export interface ScenarioOptions {
	senders: number;
	perSender: number;
	/** Receiving users (group members who never send); every `twoDeviceEvery`-th has a second device. */
	receivers: number;
	twoDeviceEvery: number;
	/** Unacknowledged sends each sender keeps in flight. */
	window: number;
	/** Fractions of all acks after which `wrangler dev` is SIGKILLed and restarted (e.g. [0.4]). */
	killAt: number[];
	/** Random receiver disconnects (and sender socket drops) at most, and the pause between them. */
	maxChurn: number;
	churnPauseMs: [number, number];
	/** Hard limit for the whole run. */
	timeoutMs: number;
	log?: (line: string) => void;
}

export interface Figures {
	messages: number;
	senders: number;
	receiverUsers: number;
	devices: number;
	/** Sockets opened after each device's first one (reconnects), over all devices. */
	reconnects: number;
	/** Of those, the ones that finished catch-up and went live before the next drop. */
	lives: number;
	/** Longest time from socket open (catch-up start) to live. */
	slowestCatchUpSeconds: number;
	/** Random receiver disconnects and sender socket drops made by the harness. */
	churn: number;
	/** Receiver restarts with a new RealtimeClient built from the previous one's state(). */
	clientRestarts: number;
	kills: number;
	/** Sends still unacknowledged when a kill happened (summed over kills). */
	unackedAtKills: number;
	/** Messages whose `message.send` frame went out more than once (outbox re-sends). */
	resent: number;
	stored: number;
	losses: number;
	duplicates: number;
	disorders: number;
	seconds: number;
}

export interface Outcome {
	figures: Figures;
	/** Every violation found, empty when the run was clean. */
	problems: string[];
}

interface Device {
	name: string;
	userId: string;
	api: AnyChatClient;
	rt: RealtimeClient;
	/** What this device was handed, over all its RealtimeClient instances, in order. */
	got: Message[];
	lives: number;
	/** Longest time from socket open (catch-up start) to live. */
	slowestCatchUpSeconds: number;
	receiver: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const between = ([a, b]: [number, number]) => a + Math.floor(Math.random() * (b - a));
const FAST = { backoff: { baseMs: 50, maxMs: 1000 }, heartbeatMs: 5000, pongTimeoutMs: 5000 };
const PASSWORD = "Passw0rd!";

/** Counts `message.send` frames per localId on every socket the clients open. */
function countingSocket(counts: Map<string, number>, opened: { n: number }) {
	const Base = globalThis.WebSocket;
	return class CountingSocket extends Base {
		constructor(url: string | URL, protocols?: string | string[]) {
			super(url, protocols);
			this.addEventListener("open", () => opened.n++);
			if (process.env.DELIVERY_DEBUG) {
				const who = String(url).slice(-12);
				this.addEventListener("close", (e) =>
					console.log(`${Date.now() % 100000} socket ${who} close ${e.code} ${e.reason}`),
				);
				this.addEventListener("error", (e) =>
					console.log(`${Date.now() % 100000} socket ${who} error ${(e as ErrorEvent).message}`),
				);
			}
		}
		override send(data: string) {
			try {
				const f = JSON.parse(data) as { type?: string; payload?: { localId?: string } };
				if (f.type === "message.send" && f.payload?.localId)
					counts.set(f.payload.localId, (counts.get(f.payload.localId) ?? 0) + 1);
			} catch {
				// not JSON: not ours to count
			}
			super.send(data);
		}
	};
}

const describe = (d: Device) =>
	`${d.name} (${d.rt.status}, ${d.got.length} delivered, watermark ${JSON.stringify(d.rt.state().seqs)})`;

export async function runDeliveryScenario(server: DevServer, o: ScenarioOptions): Promise<Outcome> {
	const devices: Device[] = [];
	try {
		return await run(server, o, devices);
	} finally {
		// Also on a failure midway: no client keeps reconnecting after the test.
		for (const d of devices) d.rt?.close();
	}
}

async function run(server: DevServer, o: ScenarioOptions, devices: Device[]): Promise<Outcome> {
	const log = o.log ?? (() => {});
	const started = Date.now();
	const deadline = started + o.timeoutMs;
	const problems: string[] = [];
	const total = o.senders * o.perSender;
	const sendFrames = new Map<string, number>();
	const opened = { n: 0 };
	const WebSocketImpl = countingSocket(sendFrames, opened);
	const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;

	const register = async (name: string) => {
		const api = new AnyChatClient({ baseUrl: server.url });
		const email = `${name}${tag}@example.com`;
		const r = await api.auth.register({
			email,
			password: PASSWORD,
			verifyCode: "000000",
			nickname: `${name}${tag}`.slice(0, 20),
			deviceType: "PC",
			deviceId: `${name}-pc-${tag}`,
			clientVersion: "soak",
		});
		return { api, userId: r.userId, email };
	};

	let slowestCatchUp = 0;
	const attach = (d: Device, rt: RealtimeClient) => {
		d.rt = rt;
		rt.on("message", (m) => d.got.push(m));
		let syncingSince = 0;
		rt.on("status", (s) => {
			if (process.env.DELIVERY_DEBUG) console.log(`${Date.now() % 100000} ${d.name} ${s}`);
			if (s === "syncing") syncingSince = Date.now();
			if (s === "live") {
				d.lives++;
				if (syncingSince) slowestCatchUp = Math.max(slowestCatchUp, Date.now() - syncingSince);
			}
		});
		rt.on("ended", (e) => problems.push(`${d.name}: client ended for good (${e.code} ${e.reason})`));
		rt.on("send.failed", (f) => problems.push(`${d.name}: send ${f.localId} refused: ${f.code} ${f.message}`));
	};
	const newRealtime = (api: AnyChatClient, initialState?: RealtimeState) =>
		api.realtime({ ...FAST, WebSocket: WebSocketImpl, initialState });
	const addDevice = (name: string, userId: string, api: AnyChatClient, receiver: boolean) => {
		const d: Device = { name, userId, api, rt: null as unknown as RealtimeClient, got: [], lives: 0, receiver };
		attach(d, newRealtime(api));
		devices.push(d);
		return d;
	};

	// ---- accounts and the group ----
	const senderUsers = [];
	for (let i = 0; i < o.senders; i++) senderUsers.push(await register(`s${i}`));
	const receiverUsers = [];
	for (let i = 0; i < o.receivers; i++) receiverUsers.push(await register(`r${i}`));
	const owner = senderUsers[0]!;
	const group = await owner.api.groups.create({
		name: `soak ${tag}`,
		memberIds: [...senderUsers.slice(1), ...receiverUsers].map((u) => u.userId),
		joinVerify: false,
		allowMemberInvite: true,
	});
	const conv = group.groupId;

	const senders = senderUsers.map((u, i) => addDevice(`sender${i}`, u.userId, u.api, false));
	for (const [i, u] of receiverUsers.entries()) {
		addDevice(`receiver${i}`, u.userId, u.api, true);
		if (i % o.twoDeviceEvery === 0) {
			const second = new AnyChatClient({ baseUrl: server.url });
			await second.auth.login({
				account: u.email,
				password: PASSWORD,
				deviceType: "iOS",
				deviceId: `r${i}-ios-${tag}`,
				clientVersion: "soak",
			});
			addDevice(`receiver${i}/2`, u.userId, second, true);
		}
	}
	// The group is new: every device is owed everything from sequence 1 on.
	for (const d of devices) {
		d.rt.known(conv, 0);
		d.rt.connect();
	}
	const allLive = async () => {
		while (devices.some((d) => d.rt.status !== "live")) {
			if (Date.now() > deadline) throw new Error("devices did not become live in time");
			await sleep(50);
		}
	};
	await allLive();
	log(`${devices.length} devices live in group ${conv} after ${((Date.now() - started) / 1000).toFixed(1)} s`);

	// ---- kills, triggered by the number of acks ----
	const acks = new Map<string, SendAck>();
	const ackedBeforeKill = new Map<string, number>();
	const killPoints = o.killAt.map((f) => Math.max(1, Math.floor(total * f)));
	let kills = 0;
	let unackedAtKills = 0;
	let killing: Promise<void> | null = null;
	const maybeKill = () => {
		if (killing || kills >= killPoints.length || acks.size < killPoints[kills]!) return;
		kills++;
		killing = (async () => {
			const unacked = senders.reduce((n, s) => n + s.rt.outbox.size, 0);
			unackedAtKills += unacked;
			for (const [localId, ack] of acks) ackedBeforeKill.set(localId, ack.sequence);
			const t = Date.now();
			await server.kill();
			log(`kill ${kills}: SIGKILL after ${acks.size} acks, ${unacked} sends unacknowledged`);
			await server.restart();
			log(`kill ${kills}: restarted on the same state in ${((Date.now() - t) / 1000).toFixed(1)} s`);
		})().finally(() => {
			killing = null;
		});
	};

	// ---- senders: a bounded window of sends in flight each ----
	let sendersDone = false;
	const sendAll = async (s: Device, si: number) => {
		const inFlight = new Set<Promise<unknown>>();
		for (let i = 0; i < o.perSender; i++) {
			while (inFlight.size >= o.window) await Promise.race(inFlight);
			const localId = `${tag}-${si}-${i}`;
			const p: Promise<unknown> = s.rt
				.send({
					conversationId: conv,
					conversationType: "group",
					contentType: "text",
					content: JSON.stringify({ text: `m ${si}/${i}`, localId }),
					localId,
				})
				.then(
					(ack) => {
						const prior = acks.get(localId);
						if (prior && prior.sequence !== ack.sequence)
							problems.push(`${localId} acked twice with sequences ${prior.sequence} and ${ack.sequence}`);
						acks.set(localId, ack);
						maybeKill();
					},
					(e) => problems.push(`${localId} rejected: ${String(e)}`),
				)
				.finally(() => inFlight.delete(p));
			inFlight.add(p);
		}
		await Promise.all(inFlight);
	};

	// ---- churn: receivers go away and come back at random; senders' sockets drop now and then ----
	let churn = 0;
	let clientRestarts = 0;
	const away = new Set<Device>();
	const churnLoop = async () => {
		while (!sendersDone && churn < o.maxChurn && Date.now() < deadline) {
			await sleep(between(o.churnPauseMs));
			if (sendersDone) break;
			churn++;
			if (Math.random() < 0.15) {
				// A network change under a sender: unacknowledged sends go out again on the new socket.
				senders[Math.floor(Math.random() * senders.length)]!.rt.reconnect();
				continue;
			}
			// Only devices that are present go away, so a device never runs two clients at once.
			const present = devices.filter((d) => d.receiver && !away.has(d));
			if (!present.length) continue;
			const d = present[Math.floor(Math.random() * present.length)]!;
			away.add(d);
			d.rt.close();
			void (async () => {
				await sleep(between(o.churnPauseMs));
				if (Math.random() < 0.5) {
					// The app restarts: a new client resumes from the persisted cursor.
					clientRestarts++;
					const next = newRealtime(d.api, d.rt.state());
					attach(d, next);
					next.connect();
				} else d.rt.connect();
				// Back once live again (bounded: a server being restarted may keep it waiting).
				const until = Date.now() + 15_000;
				while (d.rt.status !== "live" && Date.now() < until) await sleep(50);
				away.delete(d);
			})();
		}
	};

	const sending = Promise.all(senders.map((s, i) => sendAll(s, i))).finally(() => {
		sendersDone = true;
	});
	const churning = churnLoop();
	const timeout = sleep(Math.max(0, deadline - Date.now())).then(() => "timeout" as const);
	if ((await Promise.race([sending, timeout])) === "timeout") problems.push(`sends not all acknowledged in time`);
	sendersDone = true;
	await churning;
	while (killing) await killing;
	const sentSeconds = (Date.now() - started) / 1000;
	log(`${acks.size}/${total} acknowledged after ${sentSeconds.toFixed(1)} s; ${churn} disconnects`);

	// ---- everyone back online, then wait until every device holds everything ----
	while (away.size && Date.now() < deadline) await sleep(50);
	for (const d of devices) if (d.rt.status === "closed") d.rt.connect();
	let lastReport = Date.now();
	while (devices.some((d) => d.got.length < total) && Date.now() < deadline) {
		await sleep(100);
		if (Date.now() - lastReport > 10_000) {
			lastReport = Date.now();
			log(
				`waiting for ${devices
					.filter((d) => d.got.length < total)
					.map(describe)
					.join(", ")}`,
			);
		}
	}
	for (const d of devices) if (d.got.length < total) problems.push(`incomplete at the end: ${describe(d)}`);

	// ---- checks ----
	const expected = Array.from({ length: total }, (_, i) => i + 1);
	let losses = 0;
	let duplicates = 0;
	let disorders = 0;
	for (const d of devices) {
		const seqs = d.got.map((m) => m.sequence);
		const unique = new Set(seqs);
		const missing = expected.filter((s) => !unique.has(s)).length;
		const dups = seqs.length - unique.size;
		let outOfOrder = 0;
		for (let i = 1; i < seqs.length; i++) if (seqs[i]! <= seqs[i - 1]!) outOfOrder++;
		losses += missing;
		duplicates += dups;
		disorders += outOfOrder;
		if (missing || dups || outOfOrder || seqs.length !== total)
			problems.push(
				`${d.name}: ${seqs.length} delivered, ${missing} missing, ${dups} duplicated, ${outOfOrder} out of order`,
			);
	}

	// Acks: one per message, no sequence given to two messages.
	const ackSeqs = new Map<number, string>();
	for (const [localId, ack] of acks) {
		const other = ackSeqs.get(ack.sequence);
		if (other) problems.push(`sequence ${ack.sequence} reused: ${other} and ${localId}`);
		ackSeqs.set(ack.sequence, localId);
	}
	if (acks.size !== total) problems.push(`${total - acks.size} sends never acknowledged`);

	// History, paged forward: exactly one stored message per localId, at its acknowledged sequence.
	const stored: Message[] = [];
	let after = 0;
	for (let page = 0; page < Math.ceil(total / 100) + 5; page++) {
		const r = await owner.api.sessions.messages(conv, { after, limit: 100 });
		stored.push(...r.list);
		if (!r.hasMore || !r.list.length) break;
		after = r.list[r.list.length - 1]!.sequence;
	}
	const storedByLocalId = new Map<string, number[]>();
	for (const m of stored) {
		const localId = (JSON.parse(m.content) as { localId: string }).localId;
		storedByLocalId.set(localId, [...(storedByLocalId.get(localId) ?? []), m.sequence]);
	}
	const storedSeqs = stored.map((m) => m.sequence);
	if (storedSeqs.join() !== expected.join())
		problems.push(`history holds ${stored.length} messages, not sequences 1…${total} in order`);
	for (const [localId, seqs] of storedByLocalId)
		if (seqs.length !== 1) problems.push(`${localId} stored ${seqs.length} times`);
	for (const [localId, ack] of acks) {
		const seqs = storedByLocalId.get(localId);
		if (!seqs) {
			losses++;
			problems.push(`acknowledged ${localId} (sequence ${ack.sequence}) is not stored`);
		} else if (seqs[0] !== ack.sequence) problems.push(`${localId} acked as ${ack.sequence} but stored as ${seqs[0]}`);
	}
	for (const [localId, seq] of ackedBeforeKill) {
		if (acks.get(localId)?.sequence !== seq) problems.push(`${localId} acked as ${seq} before a kill, differs after`);
	}
	duplicates += [...storedByLocalId.values()].filter((s) => s.length > 1).length;
	// Every device saw the same message under each sequence as the history holds.
	const idAt = new Map(stored.map((m) => [m.sequence, m.messageId]));
	for (const d of devices) {
		const wrong = d.got.filter((m) => idAt.get(m.sequence) !== m.messageId).length;
		if (wrong) problems.push(`${d.name}: ${wrong} messages differ from the stored ones`);
	}
	if (senders.some((s) => s.rt.outbox.size)) problems.push("outbox not empty at the end");

	const figures: Figures = {
		messages: total,
		senders: o.senders,
		receiverUsers: o.receivers,
		devices: devices.length,
		reconnects: opened.n - devices.length,
		lives: devices.reduce((n, d) => n + Math.max(0, d.lives - 1), 0),
		slowestCatchUpSeconds: Math.round(slowestCatchUp / 100) / 10,
		churn,
		clientRestarts,
		kills,
		unackedAtKills,
		resent: [...sendFrames.values()].filter((n) => n > 1).length,
		stored: stored.length,
		losses,
		duplicates,
		disorders,
		seconds: Math.round((Date.now() - started) / 1000),
	};
	log(JSON.stringify(figures));
	return { figures, problems };
}
