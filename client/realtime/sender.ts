import type { SendAck, SendPayload } from "../api";
import { ApiError } from "../errors";
import type { Http } from "../http";
import { runtime } from "../runtime";
import type { Connection } from "./connection";
import type { Delivery } from "./delivery";
import type { Outbox } from "./outbox";
import type { Emit } from "./types";

const newLocalId = () =>
	runtime.crypto?.randomUUID?.() ?? `l${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;

/**
 * Sends and their outcome: the outbox on the wire, acks and refusals matched to the callers
 * waiting on them, and the hold-back after a rate-limit refusal.
 */
export class Sender {
	private readonly waiters = new Map<string, { resolve: (a: SendAck) => void; reject: (e: ApiError) => void }>();
	private readonly held = new Set<string>();
	private holdTimer: ReturnType<typeof setTimeout> | null = null;

	constructor(
		private readonly outbox: Outbox,
		private readonly conn: Connection,
		private readonly delivery: Delivery,
		private readonly http: Http,
		private readonly emit: Emit,
	) {}

	send(input: Omit<SendPayload, "localId"> & { localId?: string }): Promise<SendAck> {
		const payload: SendPayload = { ...input, localId: input.localId ?? newLocalId() };
		const p = new Promise<SendAck>((resolve, reject) => this.waiters.set(payload.localId, { resolve, reject }));
		this.outbox.add(payload);
		if (this.conn.isOpen() && !this.holdTimer) this.transmit(payload);
		return p;
	}

	/** A new socket: the whole outbox goes out again, in send order. */
	resendAll() {
		this.releaseHeld();
		for (const e of this.outbox.pending()) this.transmit(e.payload);
	}

	releaseHeld() {
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
		if (this.conn.send("message.send", payload)) this.outbox.markAttempt(payload.localId);
	}

	onAck(ack: SendAck) {
		const entry = this.outbox.ack(ack);
		const waiter = this.waiters.get(ack.localId);
		this.waiters.delete(ack.localId);
		if (!entry) return;
		this.emit("ack", { ack, payload: entry.payload });
		waiter?.resolve(ack);
		// The sending socket gets no message.new for its own message: the ack is our copy.
		this.delivery.accept([
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
		const t = this.http.tokens.get()?.accessToken ?? "";
		try {
			const b64 = t.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/");
			return String(JSON.parse(atob(b64)).userId ?? "");
		} catch {
			return "";
		}
	}

	onSendError(p: { code: number; message: string; localId: string; retryAfterMs?: number }) {
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
}
