import { SendMessageRequest } from "../../contracts/messages";
import { resolveConversationId } from "../../domain/messaging";
import type { SendInput, SendResult } from "../../domain/messaging-types";
import { currentRequestId, logError } from "../../platform/log";
import type { PeerStubs } from "../../platform/stubs";
import type { RateLimiter } from "../rate-limits";
import type { SessionIndex } from "./session-index";
import type { Sockets } from "./sockets";
import type { SocketInfo } from "./types";

type PendingSend = { input: SendInput; resolve: (r: SendResult) => void; reject: (e: unknown) => void };
type SendQueue = { busy: boolean; pending: PendingSend[] };

/** At most this many of a device's queued frames go to its Conversation in one RPC. */
const MAX_SEND_BATCH = 64;

/**
 * `message.send` frames. A device's sends are pipelined: each (device, conversation) has at
 * most one RPC in flight, and frames that arrive meanwhile go together in the next `sendBatch`
 * (one commit), so the sequences of one device's messages follow its send order.
 */
export class SendPipeline {
	private readonly sendQueues = new Map<string, SendQueue>();
	/** Acks (and refusals) go back in the order the device sent its frames. */
	private readonly ackChains = new Map<string, Promise<void>>();

	constructor(
		private readonly peers: PeerStubs,
		private readonly limits: RateLimiter,
		private readonly sockets: Sockets,
		private readonly index: SessionIndex,
	) {}

	async onSend(ws: WebSocket, info: SocketInfo, payload: unknown): Promise<void> {
		const localId =
			payload && typeof payload === "object" && typeof (payload as { localId?: unknown }).localId === "string"
				? (payload as { localId: string }).localId
				: "";
		const parsed = SendMessageRequest.safeParse(payload ?? {});
		if (!parsed.success) {
			const issue = parsed.error.issues[0]!;
			const path = issue.path.join(".");
			return this.sockets.send(ws, {
				type: "message.error",
				payload: { code: 400, message: path ? `${path}: ${issue.message}` : issue.message, localId },
			});
		}
		const limited = this.limits.refuseSend(localId);
		if (limited) return this.sockets.send(ws, { type: "message.error", payload: limited });
		const resolved = resolveConversationId(info.userId, parsed.data);
		const result: Promise<SendResult> = resolved.ok
			? this.submit(`${info.deviceId}|${resolved.conversationId}`, {
					...parsed.data,
					conversationId: resolved.conversationId,
					senderId: info.userId,
					originDevice: info.deviceId,
				})
			: Promise.resolve(resolved);
		// Awaited in the ack chain below; marked handled now so a failure waiting its turn is not reported as unhandled.
		result.catch(() => {});
		const previous = this.ackChains.get(info.deviceId) ?? Promise.resolve();
		const next = previous.then(async () => {
			try {
				const r = await result;
				if (r.ok) this.sockets.send(ws, { type: "message.sent", payload: r.ack });
				else this.sockets.send(ws, { type: "message.error", payload: { code: r.code, message: r.message, localId } });
			} catch (e) {
				logError("message.send failed", e);
				this.sockets.send(ws, { type: "message.error", payload: { code: 500, message: "internal error", localId } });
			}
		});
		this.ackChains.set(info.deviceId, next);
		await next;
		if (this.ackChains.get(info.deviceId) === next) this.ackChains.delete(info.deviceId);
	}

	private submit(key: string, input: SendInput): Promise<SendResult> {
		return new Promise((resolve, reject) => {
			let queue = this.sendQueues.get(key);
			if (!queue) {
				queue = { busy: false, pending: [] };
				this.sendQueues.set(key, queue);
			}
			queue.pending.push({ input, resolve, reject });
			if (!queue.busy) void this.pump(key, queue);
		});
	}

	private async pump(key: string, queue: SendQueue): Promise<void> {
		queue.busy = true;
		while (queue.pending.length) {
			const batch = queue.pending.splice(0, MAX_SEND_BATCH);
			try {
				const results = await this.peers.conversation(batch[0]!.input.conversationId).sendBatch(
					batch.map((b) => b.input),
					{ echo: true, requestId: currentRequestId() },
				);
				batch.forEach((b, i) => {
					const r = results[i] ?? { ok: false, code: 500, message: "internal error" };
					// This device's other devices get the message from here, not from the fan-out.
					if (r.ok && r.echo) {
						this.index.upsert(b.input.senderId, r.echo.summary);
						this.sockets.deliverText(r.echo.frame, b.input.originDevice);
					}
					b.resolve(r);
				});
				this.index.armCheckpoint();
			} catch (e) {
				this.peers.forgetConversation(batch[0]!.input.conversationId);
				for (const b of batch) b.reject(e);
			}
		}
		queue.busy = false;
		this.sendQueues.delete(key);
	}
}
