import type { ConversationSeq, Message, SendAck, SendPayload, SessionsApi, SyncApi, SyncResult } from "../api";
import { ApiError } from "../errors";
import type { NotificationEnvelope, NotificationMap } from "../events";
import { Emitter } from "../events";
import type { Http } from "../http";
import { pageOrigin, runtime, type SocketConstructor, type SocketLike } from "../runtime";
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from "./backoff";
import { Outbox } from "./outbox";
import { type Gap, Sequencer } from "./sequencer";

export type RealtimeStatus = "idle" | "connecting" | "syncing" | "live" | "waiting" | "closed";

/** The encoding of the live channel: JSON text frames (`anychat`) or protobuf binary frames (`anychat.pb`). */
export type WireFormat = "json" | "pb";

type Codec = typeof import("../../contracts/frame-codec");
let codec: Promise<Codec> | null = null;
/** The server's own codec, loaded only by a client that asks for protobuf (bundlers split it off). */
const loadCodec = () => {
	codec ??= import("../../contracts/frame-codec");
	return codec;
};

/** Server close codes (contracts/ws.ts CloseCodes): both end the session for this device, so no reconnect. */
const CLOSE_REPLACED = 4001;
const CLOSE_SESSION_ENDED = 4003;

export type RealtimeEvents = {
	status: RealtimeStatus;
	/** Every new message exactly once, in sequence order per conversation (own sends included, on ack). */
	message: Message;
	/** A message already delivered whose status changed (recalled). */
	"message.updated": Message;
	ack: { ack: SendAck; payload: SendPayload };
	"send.failed": { localId: string; code: number; message: string; payload: SendPayload };
	/** Every notification, known or not. */
	notification: NotificationEnvelope;
	/** The caller's catch-up result after each (re)connect. */
	synced: SyncResult;
	/** A frame-level `error` from the server (bad frame; the socket stays open). */
	"server.error": { code: number; message: string };
	/** The device's session is over (replaced, logged out, banned): no more reconnects. */
	ended: { code: number; reason: string };
	/** A failed catch-up or back-fill (the client retries on its own). */
	problem: unknown;
} & { [K in keyof NotificationMap as `notify:${K & string}`]: NotificationMap[K] };

export interface RealtimeState {
	lastSyncTime: number;
	seqs: Record<string, number>;
}

export interface RealtimeOptions {
	http: Http;
	sync: SyncApi;
	sessions: SessionsApi;
	/** WebSocket constructor; the global one by default (browsers, Node 22, Workers). */
	WebSocket?: SocketConstructor;
	heartbeatMs?: number;
	pongTimeoutMs?: number;
	backoff?: BackoffOptions;
	random?: () => number;
	/** Restored cursor (lastSyncTime, per-conversation lastSeq) from a previous run. */
	initialState?: RealtimeState;
	/** Messages per conversation per back-fill request. */
	pageSize?: number;
	/** "json" (default) or "pb": protobuf frames, smaller on mobile networks. */
	wire?: WireFormat;
}

const newLocalId = () =>
	runtime.crypto?.randomUUID?.() ?? `l${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;

/**
 * The live channel: heartbeat, reconnect with jittered backoff, an outbox re-sent after
 * every reconnect, catch-up through /sync and /sync/messages while live frames are
 * buffered, gap back-fill, and exactly-once ordered delivery.
 */
export class RealtimeClient extends Emitter<RealtimeEvents> {
	readonly outbox = new Outbox();
	readonly sequencer = new Sequencer();
	status: RealtimeStatus = "idle";
	private ws: SocketLike | null = null;
	private attempt = 0;
	private failedOpens = 0;
	private lastSyncTime = 0;
	private buffering = false;
	private buffer: Message[] = [];
	private heartbeat: ReturnType<typeof setInterval> | null = null;
	private deadline: ReturnType<typeof setTimeout> | null = null;
	private retryTimer: ReturnType<typeof setTimeout> | null = null;
	private readonly waiters = new Map<string, { resolve: (a: SendAck) => void; reject: (e: ApiError) => void }>();
	private readonly backfilling = new Set<string>();
	private pb: Codec | null = null;
	private readonly held = new Set<string>();
	private holdTimer: ReturnType<typeof setTimeout> | null = null;
	private readonly backfillRetries = new Map<string, ReturnType<typeof setTimeout>>();
	private readonly o: Required<Omit<RealtimeOptions, "initialState" | "WebSocket">> &
		Pick<RealtimeOptions, "WebSocket">;

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
	}

	/** What to persist so a restart catches up from where it left off. */
	state(): RealtimeState {
		return { lastSyncTime: this.lastSyncTime, seqs: this.sequencer.snapshot() };
	}

	connect() {
		if (this.status !== "idle" && this.status !== "closed") return;
		this.attempt = 0;
		// Browsers say when the network is back: reconnect then instead of waiting out the backoff.
		runtime.addEventListener?.("online", this.onOnline);
		void this.open();
	}

	/**
	 * Drops the current socket and starts over (new socket, outbox re-sent, catch-up), as after
	 * a network change. Messages in flight are not lost: unacknowledged ones are re-sent with
	 * their localId and anything delivered meanwhile comes back through catch-up.
	 */
	reconnect() {
		if (this.status === "closed" || this.status === "idle") return;
		this.teardown();
		this.attempt = 0;
		void this.open();
	}

	private readonly onOnline = () => {
		if (this.status === "waiting") this.reconnect();
	};

	/** Closes for good (logout). Unacknowledged sends stay in the outbox. */
	close() {
		runtime.removeEventListener?.("online", this.onOnline);
		this.setStatus("closed");
		this.teardown();
		this.cancelBackfillRetries();
	}

	private cancelBackfillRetries() {
		for (const t of this.backfillRetries.values()) clearTimeout(t);
		this.backfillRetries.clear();
	}

	/**
	 * Queues a message; resolves with the ack. It is (re)sent with the same localId on every
	 * reconnect until acknowledged, and rejects only on a definite refusal (message.error).
	 */
	send(input: Omit<SendPayload, "localId"> & { localId?: string }): Promise<SendAck> {
		const payload: SendPayload = { ...input, localId: input.localId ?? newLocalId() };
		const p = new Promise<SendAck>((resolve, reject) => this.waiters.set(payload.localId, { resolve, reject }));
		this.outbox.add(payload);
		if (this.ws?.readyState === 1 && !this.holdTimer) this.transmit(payload);
		return p;
	}

	typing(conversationId: string, typing: boolean) {
		this.frame("message.typing", { conversationId, typing });
	}

	/** Tells the sequencer what the app already holds (e.g. after loading history). */
	known(conversationId: string, lastSeq: number) {
		for (const m of this.sequencer.setBaseline(conversationId, lastSeq)) this.emit("message", m);
	}

	private setStatus(s: RealtimeStatus) {
		if (this.status === s) return;
		this.status = s;
		this.emit("status", s);
	}

	private wsUrl(token: string) {
		const base = this.o.http.baseUrl || pageOrigin();
		return `${base.replace(/^http/, "ws")}/api/v1/ws?token=${encodeURIComponent(token)}`;
	}

	private async open() {
		this.setStatus("connecting");
		// A socket that never opened twice in a row may mean a dead token: rotate it first. A refresh
		// that could not reach the server keeps the tokens (the server is down, not the session):
		// keep backing off; only a refused refresh (tokens cleared) ends the session.
		if (this.failedOpens >= 2 && !(await this.o.http.refresh())) {
			if (this.status === "closed") return;
			if (this.o.http.tokens.get()) return this.scheduleReconnect();
			return this.end(401, "session expired");
		}
		const token = await this.o.http.freshAccessToken();
		if (this.status === "closed") return;
		if (!token) return this.end(401, "not logged in");
		const Ctor = this.o.WebSocket ?? runtime.WebSocket;
		if (!Ctor) return this.end(0, "no WebSocket implementation in this runtime");
		let ws: SocketLike;
		try {
			if (this.o.wire === "pb") this.pb ??= await loadCodec();
			ws = new Ctor(this.wsUrl(token), this.o.wire === "pb" ? "anychat.pb" : "anychat");
			// Binary frames as ArrayBuffers (browsers and Node default to Blobs, which decode asynchronously).
			ws.binaryType = "arraybuffer";
		} catch (e) {
			this.emit("problem", e);
			return this.scheduleReconnect();
		}
		this.ws = ws;
		let opened = false;
		// A socket that neither opens nor fails (a silently dropped handshake) is given up on too.
		this.deadline = setTimeout(() => gone(4000, "connect timeout"), this.o.pongTimeoutMs);
		const gone = (code: number, reason: string) => {
			if (this.ws !== ws) return;
			if (!opened) this.failedOpens++;
			this.onSocketGone(code, reason);
		};
		ws.addEventListener("open", () => {
			if (this.ws !== ws) return;
			opened = true;
			this.alive();
			this.failedOpens = 0;
			this.startHeartbeat();
			this.releaseHeld();
			for (const e of this.outbox.pending()) this.transmit(e.payload);
			void this.catchUp(ws);
		});
		ws.addEventListener("message", (ev: { data: unknown }) => {
			if (this.ws !== ws) return;
			this.alive();
			this.onFrame(ev.data);
		});
		ws.addEventListener("close", (ev: { code: number; reason: string }) => gone(ev.code, ev.reason));
		// Browsers follow an error with close, but Node's WebSocket (undici) reports a refused
		// connection with error alone and stays CONNECTING: the error has to end the socket itself.
		// Whichever comes first wins; the other finds the socket replaced and does nothing.
		ws.addEventListener("error", () => gone(1006, "socket error"));
	}

	private onSocketGone(code: number, reason: string) {
		this.teardown();
		if (this.status === "closed") return;
		if (code === CLOSE_REPLACED || code === CLOSE_SESSION_ENDED) return this.end(code, reason);
		this.scheduleReconnect();
	}

	private end(code: number, reason: string) {
		this.teardown();
		this.cancelBackfillRetries();
		this.setStatus("closed");
		this.emit("ended", { code, reason });
	}

	private scheduleReconnect() {
		if (this.status === "closed") return;
		this.setStatus("waiting");
		const delay = backoffDelay(this.attempt++, this.o.backoff, this.o.random);
		this.retryTimer = setTimeout(() => void this.open(), delay);
	}

	private teardown() {
		if (this.heartbeat) clearInterval(this.heartbeat);
		if (this.deadline) clearTimeout(this.deadline);
		if (this.retryTimer) clearTimeout(this.retryTimer);
		this.heartbeat = this.deadline = this.retryTimer = null;
		// A new socket re-sends the whole outbox anyway (rate-limited entries included).
		this.releaseHeld();
		const ws = this.ws;
		this.ws = null;
		this.buffering = false;
		// Live frames buffered during an interrupted catch-up are not lost: the next catch-up re-reads them.
		this.buffer = [];
		if (ws && ws.readyState <= 1) {
			try {
				ws.close(1000, "client closing");
			} catch {
				// already closing
			}
		}
	}

	private startHeartbeat() {
		this.heartbeat = setInterval(() => {
			this.frame("ping", null);
			if (!this.deadline) {
				// Any frame counts as proof of life; none within the timeout means a dead link.
				this.deadline = setTimeout(() => this.onSocketGone(4000, "heartbeat timeout"), this.o.pongTimeoutMs);
			}
		}, this.o.heartbeatMs);
	}

	private alive() {
		if (this.deadline) clearTimeout(this.deadline);
		this.deadline = null;
	}

	private frame(type: string, payload: unknown) {
		if (this.ws?.readyState !== 1) return false;
		this.ws.send(this.pb ? this.pb.encodeClientFrame({ type, payload }) : JSON.stringify({ type, payload }));
		return true;
	}

	private releaseHeld() {
		if (this.holdTimer) clearTimeout(this.holdTimer);
		this.holdTimer = null;
		this.held.clear();
	}

	/** Re-sends, in send order, what the server refused for rate (still in the outbox) once its wait is over. */
	private resendHeld() {
		this.holdTimer = null;
		const ids = new Set(this.held);
		this.held.clear();
		for (const e of this.outbox.pending()) if (ids.has(e.payload.localId) || e.attempts === 0) this.transmit(e.payload);
	}

	private transmit(payload: SendPayload) {
		if (this.frame("message.send", payload)) this.outbox.markAttempt(payload.localId);
	}

	private onFrame(raw: unknown) {
		let f: { type?: string; payload?: any };
		try {
			// The server answers in the encoding we asked for; text is JSON either way.
			if (typeof raw === "string") f = JSON.parse(raw);
			else if (this.pb && (raw instanceof ArrayBuffer || ArrayBuffer.isView(raw)))
				f = this.pb.decodeServerFrame(
					raw instanceof ArrayBuffer ? new Uint8Array(raw) : new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength),
				);
			else return;
		} catch {
			return;
		}
		switch (f.type) {
			case "pong":
				return;
			case "message.sent":
				return this.onAck(f.payload as SendAck);
			case "message.error":
				return this.onSendError(f.payload);
			case "error":
				return this.emit("server.error", f.payload);
			case "notification":
				return this.onNotification(f.payload as NotificationEnvelope);
		}
	}

	private onAck(ack: SendAck) {
		const entry = this.outbox.ack(ack);
		const waiter = this.waiters.get(ack.localId);
		this.waiters.delete(ack.localId);
		if (!entry) return;
		this.emit("ack", { ack, payload: entry.payload });
		waiter?.resolve(ack);
		// The sending socket gets no message.new for its own message: the ack is our copy.
		this.accept([
			{
				messageId: ack.messageId,
				conversationId: entry.payload.conversationId,
				conversationType: entry.payload.conversationType,
				senderId: this.selfId(),
				contentType: entry.payload.contentType,
				content: entry.payload.content,
				sequence: ack.sequence,
				status: 0,
				replyTo: entry.payload.replyTo ?? "",
				atUsers: entry.payload.atUsers ?? [],
				createdAt: ack.timestamp,
				timestamp: ack.timestamp,
			},
		]);
	}

	private selfId() {
		// The access token's payload carries userId; read it without verifying (the server does that).
		const t = this.o.http.tokens.get()?.accessToken ?? "";
		try {
			const b64 = t.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/");
			return String(JSON.parse(atob(b64)).userId ?? "");
		} catch {
			return "";
		}
	}

	private onSendError(p: { code: number; message: string; localId: string; retryAfterMs?: number }) {
		// Too many sends: not a refusal of the message. Keep it and send it again once the wait is over;
		// new sends queue behind it meanwhile, so the order of sending is kept.
		if (p.code === 429 && this.outbox.has(p.localId)) {
			this.held.add(p.localId);
			this.holdTimer ??= setTimeout(() => this.resendHeld(), Math.max(p.retryAfterMs ?? 1000, 50));
			return;
		}
		const entry = this.outbox.fail(p.localId);
		const waiter = this.waiters.get(p.localId);
		this.waiters.delete(p.localId);
		if (!entry) return;
		const status = p.code >= 10000 ? 400 : p.code;
		waiter?.reject(new ApiError(p.code, status, p.message));
		this.emit("send.failed", { ...p, payload: entry.payload });
	}

	private onNotification(n: NotificationEnvelope) {
		if (!n || typeof n.notificationType !== "string") return;
		if (n.notificationType === "message.new") {
			const m = n.data as Message;
			if (this.buffering) this.buffer.push(m);
			else this.accept([m]);
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

	/** Feeds messages through the sequencer, delivers what is in order, back-fills holes. */
	private accept(messages: Message[]) {
		const r = this.sequencer.ingest(messages);
		for (const m of r.delivered) this.emit("message", m);
		for (const m of r.updated) this.emit("message.updated", m);
		if (!this.buffering) for (const g of r.gaps) void this.backfill(g);
	}

	private async backfill(gap: Gap, attempt = 0) {
		if (this.backfilling.has(gap.conversationId)) return;
		this.backfilling.add(gap.conversationId);
		let failed = false;
		try {
			for (;;) {
				const after = this.sequencer.lastSeq(gap.conversationId) ?? gap.after;
				const page = await this.o.sessions.messages(gap.conversationId, { after, limit: this.o.pageSize });
				const r = this.sequencer.ingest(page.list);
				for (const m of r.delivered) this.emit("message", m);
				for (const m of r.updated) this.emit("message.updated", m);
				const still = r.gaps.find((g) => g.conversationId === gap.conversationId);
				const advanced = (this.sequencer.lastSeq(gap.conversationId) ?? 0) > after;
				if (!still || !advanced || !page.hasMore) break;
			}
		} catch (e) {
			this.emit("problem", e);
			failed = true;
		} finally {
			this.backfilling.delete(gap.conversationId);
		}
		if (failed) this.retryBackfill(gap.conversationId, attempt);
	}

	/**
	 * A failed back-fill is tried again after a backoff while the hole is still there: the held
	 * messages above it would otherwise wait for the next live message or reconnect, which may
	 * never come (the last message of a burst).
	 */
	private retryBackfill(conversationId: string, attempt: number) {
		if (this.status === "closed" || this.backfillRetries.has(conversationId)) return;
		const timer = setTimeout(
			() => {
				this.backfillRetries.delete(conversationId);
				const gap = this.sequencer.pendingGaps().find((g) => g.conversationId === conversationId);
				if (gap && this.status !== "closed") void this.backfill(gap, attempt + 1);
			},
			backoffDelay(attempt, this.o.backoff, this.o.random),
		);
		this.backfillRetries.set(conversationId, timer);
	}

	/** POST /sync, then /sync/messages until nothing has more, with live frames held meanwhile. */
	private async catchUp(ws: SocketLike) {
		this.buffering = true;
		this.setStatus("syncing");
		try {
			const seqs: ConversationSeq[] = this.sequencer.conversations();
			const result = await this.o.sync.sync({ lastSyncTime: this.lastSyncTime, conversationSeqs: seqs });
			if (this.ws !== ws) return;
			let more: string[] = [];
			for (const c of result.conversations) {
				this.ingestQuietly(c.messages);
				if (c.hasMore) more.push(c.conversationId);
			}
			while (more.length) {
				const convs = await this.o.sync.messages({
					conversationSeqs: more.map((id) => ({ conversationId: id, lastSeq: this.sequencer.lastSeq(id) ?? 0 })),
					limitPerConversation: this.o.pageSize,
				});
				if (this.ws !== ws) return;
				const next: string[] = [];
				for (const c of convs) {
					const before = this.sequencer.lastSeq(c.conversationId) ?? 0;
					this.ingestQuietly(c.messages);
					// Guard against a server that keeps saying hasMore without progress.
					if (c.hasMore && (this.sequencer.lastSeq(c.conversationId) ?? 0) > before) next.push(c.conversationId);
				}
				more = next;
			}
			this.lastSyncTime = result.syncTime || this.lastSyncTime;
			this.goLive();
			this.emit("synced", result);
		} catch (e) {
			if (this.ws !== ws) return;
			this.emit("problem", e);
			if (e instanceof ApiError && e.status === 401) return this.end(401, "session expired");
			// A server without the sync routes still delivers live frames; retrying would loop forever.
			if (e instanceof ApiError && e.status === 404) return this.goLive();
			// Reconnecting repeats the whole catch-up, which is what a failed one needs.
			this.onSocketGone(4000, "catch-up failed");
		}
	}

	private goLive() {
		this.buffering = false;
		const live = this.buffer.sort((a, b) => a.sequence - b.sequence);
		this.buffer = [];
		this.accept(live);
		for (const g of this.sequencer.pendingGaps()) void this.backfill(g);
		this.attempt = 0;
		this.setStatus("live");
	}

	private ingestQuietly(messages: Message[]) {
		const r = this.sequencer.ingest(messages);
		for (const m of r.delivered) this.emit("message", m);
		for (const m of r.updated) this.emit("message.updated", m);
	}
}
