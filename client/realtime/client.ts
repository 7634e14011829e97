import type { Message, SendAck, SendPayload } from "../api";
import { ApiError } from "../errors";
import type { NotificationEnvelope, NotificationMap } from "../events";
import { Emitter } from "../events";
import { runtime, type SocketLike } from "../runtime";
import { DEFAULT_BACKOFF } from "./backoff";
import { catchUp } from "./catch-up";
import { CLOSE_SESSION_ENDED, Connection } from "./connection";
import { Delivery } from "./delivery";
import { Outbox } from "./outbox";
import { Sender } from "./sender";
import { Sequencer } from "./sequencer";
import type { Emit, RealtimeEvents, RealtimeOptions, RealtimeState, RealtimeStatus, ResolvedOptions } from "./types";
import type { Frame } from "./wire";

export type { RealtimeEvents, RealtimeOptions, RealtimeState, RealtimeStatus, WireFormat } from "./types";

/**
 * The live channel: heartbeat, reconnect with jittered backoff, an outbox re-sent after
 * every reconnect, catch-up through /sync and /sync/messages while live frames are
 * buffered, gap back-fill, and exactly-once ordered delivery.
 */
export class RealtimeClient extends Emitter<RealtimeEvents> {
	readonly outbox = new Outbox();
	readonly sequencer = new Sequencer();
	status: RealtimeStatus = "idle";
	private lastSyncTime = 0;
	private readonly o: ResolvedOptions;
	private readonly conn: Connection;
	private readonly delivery: Delivery;
	private readonly sender: Sender;

	constructor(options: RealtimeOptions) {
		super();
		this.o = {
			heartbeatMs: 25_000,
			pongTimeoutMs: 10_000,
			backoff: DEFAULT_BACKOFF,
			random: Math.random,
			pageSize: 100,
			wire: "json",
			...options,
		};
		if (options.initialState) {
			this.lastSyncTime = options.initialState.lastSyncTime;
			for (const [c, s] of Object.entries(options.initialState.seqs)) this.sequencer.setBaseline(c, s);
		}
		const emit: Emit = (event, arg) => this.emit(event, arg);
		this.delivery = new Delivery(this.sequencer, this.o, emit, () => this.status === "closed");
		this.conn = new Connection(this.o, {
			status: () => this.status,
			setStatus: (s) => this.setStatus(s),
			problem: (e) => this.emit("problem", e),
			opened: (ws) => {
				this.sender.resendAll();
				void this.catchUp(ws);
			},
			frame: (f) => this.onFrame(f),
			dropped: () => {
				// A new socket re-sends the whole outbox anyway (rate-limited entries included).
				this.sender.releaseHeld();
				this.delivery.drop();
			},
			end: (code, reason) => this.end(code, reason),
		});
		this.sender = new Sender(this.outbox, this.conn, this.delivery, this.o.http, emit);
	}

	/** What to persist so a restart catches up from where it left off. */
	state(): RealtimeState {
		return { lastSyncTime: this.lastSyncTime, seqs: this.sequencer.snapshot() };
	}

	connect() {
		if (this.status !== "idle" && this.status !== "closed") return;
		this.conn.resetBackoff();
		// Browsers say when the network is back: reconnect then instead of waiting out the backoff.
		runtime.addEventListener?.("online", this.onOnline);
		void this.conn.open();
	}

	/**
	 * Drops the current socket and starts over (new socket, outbox re-sent, catch-up), as after
	 * a network change. Messages in flight are not lost: unacknowledged ones are re-sent with
	 * their localId and anything delivered meanwhile comes back through catch-up.
	 */
	reconnect() {
		if (this.status === "closed" || this.status === "idle") return;
		this.conn.teardown();
		this.conn.resetBackoff();
		void this.conn.open();
	}

	private readonly onOnline = () => {
		if (this.status === "waiting") this.reconnect();
	};

	/** Closes for good (logout). Unacknowledged sends stay in the outbox. */
	close() {
		runtime.removeEventListener?.("online", this.onOnline);
		this.setStatus("closed");
		this.conn.teardown();
		this.delivery.cancelBackfillRetries();
	}

	/**
	 * Queues a message; resolves with the ack. It is (re)sent with the same localId on every
	 * reconnect until acknowledged, and rejects only on a definite refusal (message.error).
	 */
	send(input: Omit<SendPayload, "localId"> & { localId?: string }): Promise<SendAck> {
		return this.sender.send(input);
	}

	typing(conversationId: string, typing: boolean) {
		this.conn.send("message.typing", { conversationId, typing });
	}

	/** Tells the sequencer what the app already holds (e.g. after loading history). */
	known(conversationId: string, lastSeq: number) {
		this.delivery.known(conversationId, lastSeq);
	}

	private setStatus(s: RealtimeStatus) {
		if (this.status === s) return;
		this.status = s;
		this.emit("status", s);
	}

	private end(code: number, reason: string) {
		this.conn.teardown();
		this.delivery.cancelBackfillRetries();
		this.setStatus("closed");
		this.emit("ended", { code, reason });
	}

	private onFrame(f: Frame) {
		switch (f.type) {
			case "pong":
				return;
			case "message.sent":
				return this.sender.onAck(f.payload as SendAck);
			case "message.error":
				return this.sender.onSendError(f.payload);
			case "error":
				return this.emit("server.error", f.payload);
			case "notification":
				return this.onNotification(f.payload as NotificationEnvelope);
		}
	}

	private onNotification(n: NotificationEnvelope) {
		if (!n || typeof n.notificationType !== "string") return;
		if (n.notificationType === "message.new") {
			this.delivery.live(n.data as Message);
		} else if (n.notificationType === "message.recalled") {
			const d = n.data as NotificationMap["message.recalled"];
			if (d.sequence) this.sequencer.noteStatus(d.conversationId, d.sequence, 1);
		}
		this.emit("notification", n);
		this.emit(`notify:${n.notificationType}` as `notify:sync.completed`, n.data as never);
		if (n.notificationType === "auth.force_logout") {
			const d = n.data as NotificationMap["auth.force_logout"];
			this.end(CLOSE_SESSION_ENDED, d.reason);
		}
	}

	/** Catch-up after each (re)connect, with live frames held meanwhile; its failures decide what comes next. */
	private async catchUp(ws: SocketLike) {
		this.delivery.hold();
		this.setStatus("syncing");
		try {
			const result = await catchUp({
				sync: this.o.sync,
				sequencer: this.sequencer,
				delivery: this.delivery,
				lastSyncTime: this.lastSyncTime,
				pageSize: this.o.pageSize,
				stale: () => !this.conn.isCurrent(ws),
			});
			if (!result) return;
			this.lastSyncTime = result.syncTime || this.lastSyncTime;
			this.goLive();
			this.emit("synced", result);
		} catch (e) {
			if (!this.conn.isCurrent(ws)) return;
			this.emit("problem", e);
			if (e instanceof ApiError && e.status === 401) return this.end(401, "session expired");
			// A server without the sync routes still delivers live frames; retrying would loop forever.
			if (e instanceof ApiError && e.status === 404) return this.goLive();
			// Reconnecting repeats the whole catch-up, which is what a failed one needs.
			this.conn.lost(4000, "catch-up failed");
		}
	}

	private goLive() {
		this.delivery.release();
		this.conn.resetBackoff();
		this.setStatus("live");
	}
}
