import { pageOrigin, runtime, type SocketLike } from "../runtime";
import { backoffDelay } from "./backoff";
import type { RealtimeStatus, ResolvedOptions } from "./types";
import { type Codec, decodeFrame, encodeFrame, type Frame, loadCodec } from "./wire";

/** Server close codes (contracts/ws.ts CloseCodes): both end the session for this device, so no reconnect. */
const CLOSE_REPLACED = 4001;
export const CLOSE_SESSION_ENDED = 4003;

/** What the connection needs of the client around it. */
export interface ConnectionHooks {
	status(): RealtimeStatus;
	setStatus(s: RealtimeStatus): void;
	problem(e: unknown): void;
	/** The socket is open: the place to send what waits and start the catch-up for it. */
	opened(ws: SocketLike): void;
	frame(f: Frame): void;
	/** The socket was dropped: whatever belonged to it elsewhere goes with it. */
	dropped(): void;
	/** The session is over for this device: no more reconnects. */
	end(code: number, reason: string): void;
}

/**
 * One socket at a time: opening it (with a token refresh when opens keep failing), heartbeat,
 * dead-link detection, and reconnect with jittered backoff.
 */
export class Connection {
	private ws: SocketLike | null = null;
	private attempt = 0;
	private failedOpens = 0;
	private heartbeat: ReturnType<typeof setInterval> | null = null;
	private deadline: ReturnType<typeof setTimeout> | null = null;
	private retryTimer: ReturnType<typeof setTimeout> | null = null;
	private pb: Codec | null = null;

	constructor(
		private readonly o: ResolvedOptions,
		private readonly hooks: ConnectionHooks,
	) {}

	/** Whether `ws` is still the current socket (a replaced one's events and results are ignored). */
	isCurrent(ws: SocketLike) {
		return this.ws === ws;
	}

	isOpen() {
		return this.ws?.readyState === 1;
	}

	resetBackoff() {
		this.attempt = 0;
	}

	/** Sends a frame if the socket is open; false if it is not. */
	send(type: string, payload: unknown) {
		if (this.ws?.readyState !== 1) return false;
		this.ws.send(encodeFrame(this.pb, type, payload));
		return true;
	}

	private wsUrl(token: string) {
		const base = this.o.http.baseUrl || pageOrigin();
		return `${base.replace(/^http/, "ws")}/api/v1/ws?token=${encodeURIComponent(token)}`;
	}

	async open() {
		this.hooks.setStatus("connecting");
		// A socket that never opened twice in a row may mean a dead token: rotate it first. A refresh
		// that could not reach the server keeps the tokens (the server is down, not the session):
		// keep backing off; only a refused refresh (tokens cleared) ends the session.
		if (this.failedOpens >= 2 && !(await this.o.http.refresh())) {
			if (this.hooks.status() === "closed") return;
			if (this.o.http.tokens.get()) return this.scheduleReconnect();
			return this.hooks.end(401, "session expired");
		}
		const token = await this.o.http.freshAccessToken();
		if (this.hooks.status() === "closed") return;
		if (!token) return this.hooks.end(401, "not logged in");
		const Ctor = this.o.WebSocket ?? runtime.WebSocket;
		if (!Ctor) return this.hooks.end(0, "no WebSocket implementation in this runtime");
		let ws: SocketLike;
		try {
			if (this.o.wire === "pb") this.pb ??= await loadCodec();
			ws = new Ctor(this.wsUrl(token), this.o.wire === "pb" ? "anychat.pb" : "anychat");
			// Binary frames as ArrayBuffers (browsers and Node default to Blobs, which decode asynchronously).
			ws.binaryType = "arraybuffer";
		} catch (e) {
			this.hooks.problem(e);
			return this.scheduleReconnect();
		}
		this.ws = ws;
		let opened = false;
		// A socket that neither opens nor fails (a silently dropped handshake) is given up on too.
		this.deadline = setTimeout(() => gone(4000, "connect timeout"), this.o.pongTimeoutMs);
		const gone = (code: number, reason: string) => {
			if (this.ws !== ws) return;
			if (!opened) this.failedOpens++;
			this.lost(code, reason);
		};
		ws.addEventListener("open", () => {
			if (this.ws !== ws) return;
			opened = true;
			this.alive();
			this.failedOpens = 0;
			this.startHeartbeat();
			this.hooks.opened(ws);
		});
		ws.addEventListener("message", (ev: { data: unknown }) => {
			if (this.ws !== ws) return;
			this.alive();
			const f = decodeFrame(ev.data, this.pb);
			if (f !== undefined) this.hooks.frame(f);
		});
		ws.addEventListener("close", (ev: { code: number; reason: string }) => gone(ev.code, ev.reason));
		// Browsers follow an error with close, but Node's WebSocket (undici) reports a refused
		// connection with error alone and stays CONNECTING: the error has to end the socket itself.
		// Whichever comes first wins; the other finds the socket replaced and does nothing.
		ws.addEventListener("error", () => gone(1006, "socket error"));
	}

	/** The socket is gone (closed, failed, dead): reconnect, unless the server ended the session. */
	lost(code: number, reason: string) {
		this.teardown();
		if (this.hooks.status() === "closed") return;
		if (code === CLOSE_REPLACED || code === CLOSE_SESSION_ENDED) return this.hooks.end(code, reason);
		this.scheduleReconnect();
	}

	private scheduleReconnect() {
		if (this.hooks.status() === "closed") return;
		this.hooks.setStatus("waiting");
		const delay = backoffDelay(this.attempt++, this.o.backoff, this.o.random);
		this.retryTimer = setTimeout(() => void this.open(), delay);
	}

	teardown() {
		if (this.heartbeat) clearInterval(this.heartbeat);
		if (this.deadline) clearTimeout(this.deadline);
		if (this.retryTimer) clearTimeout(this.retryTimer);
		this.heartbeat = this.deadline = this.retryTimer = null;
		const ws = this.ws;
		this.ws = null;
		this.hooks.dropped();
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
			this.send("ping", null);
			if (!this.deadline) {
				// Any frame counts as proof of life; none within the timeout means a dead link.
				this.deadline = setTimeout(() => this.lost(4000, "heartbeat timeout"), this.o.pongTimeoutMs);
			}
		}, this.o.heartbeatMs);
	}

	private alive() {
		if (this.deadline) clearTimeout(this.deadline);
		this.deadline = null;
	}
}
