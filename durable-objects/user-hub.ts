import { DurableObject } from "cloudflare:workers";
import { chooseSubprotocol, decodeClientFrame, OutgoingFrame, type Wire, wireOf } from "../contracts/frame-codec";
import { SendMessageRequest, TypingFrame } from "../contracts/messages";
import type { SessionData } from "../contracts/sessions";
import { CloseCodes, MAX_FRAME_BYTES } from "../contracts/ws";
import { conversationIdsOf } from "../db/conversations";
import { sessionState } from "../db/device-sessions";
import { config, type RateBucket } from "../domain/config";
import type { Bindings } from "../domain/env";
import { type AuthContext, IDENTITY_HEADER } from "../domain/identity";
import { resolveConversationId } from "../domain/messaging";
import type { ConversationSummary, FanoutMessage, FanoutResult, SendResult } from "../domain/messaging-types";
import { isVisible, type SessionRow, sessionOrder, toSession, unreadOf } from "../domain/session-rows";
import { notificationFrame } from "../platform/notify";
import { conversationFor, PeerStubs } from "../platform/stubs";
import type { SendInput } from "./conversation";
import { RateLimiter, type TakeResult } from "./rate-limits";

/** What each hibernated socket remembers about itself. */
export interface SocketInfo extends AuthContext {
	connectedAt: number;
	/** The socket's encoding (subprotocol `anychat.pb` = protobuf); absent = JSON. */
	wire?: Wire;
}

type Frame = { type: string; payload?: unknown };
type PendingSend = { input: SendInput; resolve: (r: SendResult) => void; reject: (e: unknown) => void };

/** At most this many of a device's queued frames go to its Conversation in one RPC. */
const MAX_SEND_BATCH = 64;
type FrameHandler = (hub: UserHub, ws: WebSocket, info: SocketInfo, payload: unknown) => Promise<void> | void;

const deviceTag = (deviceId: string) => `device:${deviceId}`;

/** A hub that keeps a checkpoint writes its changed rows at most this long after the first change. */
export const CHECKPOINT_DELAY_MS = 10_000;

/** A device may repeat the same typing state for a conversation at most this often. */
const TYPING_INTERVAL_MS = 3000;

const seconds = () => Math.floor(Date.now() / 1000);
/** The limit is in bytes; a UTF-16 length undercounts multi-byte text by up to 3x. */
const frameBytes = (message: string | ArrayBuffer) => {
	if (typeof message !== "string") return message.byteLength;
	return message.length * 3 <= MAX_FRAME_BYTES ? message.length : new TextEncoder().encode(message).byteLength;
};

/**
 * One per user (`user:<id>`): holds the user's live sockets (one per device, hibernation
 * API) and is the single place that writes frames to them.
 */
export class UserHub extends DurableObject<Bindings> {
	/** Client frame types and what they do; features add their handlers here. */
	static readonly handlers: Record<string, FrameHandler> = {
		ping: (hub, ws) => hub.send(ws, { type: "pong", payload: null }),
		"message.send": (hub, ws, info, payload) => hub.onSend(ws, info, payload),
		"message.typing": (hub, ws, info, payload) => hub.onTyping(ws, info, payload),
	};

	private sql: SqlStorage;
	/**
	 * The conversation-list index, in memory. Storage holds which conversations the user has
	 * (written when one is new to the hub) and the pin/mute/delete flags (written when they
	 * change). Last message, time and read position are the Conversations' and are never written
	 * here per message (DESIGN.md: one commit per message): a small hub's new instance takes them
	 * back from the Conversations (`hydrate`), a large one from its checkpoint (see `dirty`).
	 */
	private sessions = new Map<string, SessionRow>();
	/** The visible rows in list order, kept until a row changes: a list request does not sort. */
	private orderedCache: SessionRow[] | null = null;
	/** Settles once the rows loaded at start-up carry the Conversations' current state. */
	private hydrated: Promise<void> | null = null;
	private needsHydration = false;
	/** Set by an alarm left by the previous design (rows flushed in batches): also ask D1 which conversations exist. */
	private legacyUnflushed = false;
	/**
	 * Checkpoint (hubs with at least `hubCheckpointSessions` conversations, where rebuilding the
	 * list from every Conversation after a restart would cost a round of that many RPCs): rows whose
	 * memory differs from storage, whether storage says so (`dirty` in hub_meta, written with the
	 * first change), and whether the alarm that writes them is set. A restarted hub trusts its
	 * stored rows only if its last checkpoint left no `dirty` mark.
	 */
	private dirty = new Set<string>();
	private dirtyMarked = false;
	private checkpointAlarmSet = false;
	private checkpointed = false;
	private readonly checkpointMin = config(this.env).hubCheckpointSessions;
	private selfId: string | null = null;
	/**
	 * A device's sends are pipelined: each (device, conversation) has at most one RPC in flight,
	 * and frames that arrive meanwhile go together in the next `sendBatch` (one commit), so the
	 * sequences of one device's messages follow its send order.
	 */
	private sendQueues = new Map<string, { busy: boolean; pending: PendingSend[] }>();
	private readonly peers = new PeerStubs(this.env);
	private readonly socketInfo = new WeakMap<WebSocket, SocketInfo>();
	/** Acks (and refusals) go back in the order the device sent its frames. */
	private ackChains = new Map<string, Promise<void>>();
	private typingSeen = new Map<string, { typing: boolean; at: number }>();
	/** Per-user abuse limits (rate-limits.ts): in-memory checks, see there for what survives eviction. */
	private readonly limits = new RateLimiter(config(this.env).rateLimits, this.ctx.storage.kv);

	constructor(ctx: DurableObjectState, env: Bindings) {
		super(ctx, env);
		this.sql = ctx.storage.sql;
		ctx.blockConcurrencyWhile(async () => {
			this.sql.exec(`CREATE TABLE IF NOT EXISTS sessions (
				conversation_id TEXT PRIMARY KEY,
				row TEXT NOT NULL
			)`);
			this.sql.exec("CREATE TABLE IF NOT EXISTS hub_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
			for (const r of this.sql.exec<{ row: string }>("SELECT row FROM sessions")) {
				const row = JSON.parse(r.row) as SessionRow;
				this.sessions.set(row.conversationId, row);
			}
			const meta = new Map(
				this.sql
					.exec<{ key: string; value: string }>("SELECT key, value FROM hub_meta")
					.toArray()
					.map((r) => [r.key, r.value]),
			);
			this.selfId = meta.get("userId") ?? null;
			this.checkpointed = meta.has("checkpoint");
			this.dirtyMarked = meta.has("dirty");
			const trusted = this.checkpointed && !this.dirtyMarked && this.sessions.size >= this.checkpointMin;
			this.needsHydration = this.sessions.size > 0 && !trusted;
			const alarm = await ctx.storage.getAlarm();
			if (alarm !== null && !this.checkpointed) {
				// Set by the batched flush this hub used before checkpoints: the previous instance
				// may have ended with conversations it never wrote, so D1 lists them too.
				this.legacyUnflushed = true;
				this.needsHydration = this.selfId !== null;
				await ctx.storage.deleteAlarm();
			} else if (this.dirtyMarked) {
				// The previous instance died with changes unwritten: rebuild, then checkpoint soon.
				this.checkpointAlarmSet = true;
				if (alarm === null) await ctx.storage.setAlarm(Date.now() + CHECKPOINT_DELAY_MS);
			}
		});
	}

	async fetch(request: Request): Promise<Response> {
		if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
			return new Response("expected a WebSocket upgrade", { status: 426 });
		}
		const identity = JSON.parse(request.headers.get(IDENTITY_HEADER) ?? "null") as AuthContext | null;
		if (!identity) return new Response("missing identity", { status: 400 });
		// A reconnect storm is refused here, before it can replace the device's live socket.
		const refused = this.limits.refuseUpgrade();
		if (refused) return refused;

		// One socket per device: a new one replaces the old.
		for (const old of this.ctx.getWebSockets(deviceTag(identity.deviceId))) {
			this.closeSocket(old, CloseCodes.Replaced, "replaced by a new connection");
		}
		const pair = new WebSocketPair();
		const [client, server] = [pair[0], pair[1]];
		this.ctx.acceptWebSocket(server, [deviceTag(identity.deviceId), `sid:${identity.sessionId}`]);
		const subprotocol = chooseSubprotocol(request.headers.get("Sec-WebSocket-Protocol"));
		server.serializeAttachment({
			...identity,
			connectedAt: Date.now(),
			wire: wireOf(subprotocol),
		} satisfies SocketInfo);

		// The Worker checked the session, but it may have ended since (logout, password change)
		// with its sockets closed before this one existed. Checking again now that the socket is
		// registered closes that gap: a later end finds the socket, an earlier one is seen here.
		if ((await sessionState(this.env, identity.userId, identity.sessionId)) !== "active") {
			this.closeSocket(server, CloseCodes.SessionEnded, "session ended");
		}

		const headers = new Headers();
		if (subprotocol) headers.set("Sec-WebSocket-Protocol", subprotocol);
		return new Response(null, { status: 101, webSocket: client, headers });
	}

	async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
		const info = this.infoOf(ws);
		if (!info) return this.sendError(ws, 500, "internal error");
		if (frameBytes(message) > MAX_FRAME_BYTES)
			return this.sendError(ws, 413, `frame larger than ${MAX_FRAME_BYTES} bytes`);
		if (typeof message !== "string" && info.wire !== "pb") {
			return this.sendError(ws, 400, "binary frames need the anychat.pb subprotocol");
		}
		let frame: Frame;
		try {
			frame = typeof message === "string" ? JSON.parse(message) : decodeClientFrame(new Uint8Array(message));
		} catch {
			return this.sendError(
				ws,
				400,
				typeof message === "string" ? "frame is not valid JSON" : "frame is not an anychat.pb ClientFrame",
			);
		}
		if (!frame || typeof frame !== "object" || typeof frame.type !== "string") {
			return this.sendError(ws, 400, "frame must be an object with a string type");
		}
		const handler = Object.hasOwn(UserHub.handlers, frame.type) ? UserHub.handlers[frame.type] : undefined;
		if (!handler) return this.sendError(ws, 400, `unknown frame type: ${frame.type.slice(0, 64)}`);
		try {
			await handler(this, ws, info, frame.payload);
		} catch (e) {
			console.error("frame handler failed", frame.type, String(e));
			this.sendError(ws, 500, "internal error");
		}
	}

	async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
		// 1005/1006 are reserved for "no status"/"abnormal" and cannot be sent back.
		this.closeSocket(ws, code === 1005 || code === 1006 ? 1000 : code, reason);
	}

	async webSocketError(ws: WebSocket): Promise<void> {
		this.closeSocket(ws, 1011, "socket error");
	}

	/** Sends a frame to every device of this user, except `excludeDevice`. Returns how many were reached. */
	async deliver(frame: object, excludeDevice: string | null = null): Promise<number> {
		return this.sendToDevices(new OutgoingFrame(frame), excludeDevice);
	}

	/**
	 * Ends live devices: each selected socket receives `frame` (e.g. auth.force_logout) and is
	 * closed with 4003. Select by device IDs, or every device except `keepDevice`.
	 */
	async endDevices(select: { deviceIds?: string[]; keepDevice?: string }, frame: object | null): Promise<number> {
		let ended = 0;
		for (const ws of this.ctx.getWebSockets()) {
			const device = this.infoOf(ws)?.deviceId;
			if (!device) continue;
			if (select.deviceIds && !select.deviceIds.includes(device)) continue;
			if (select.keepDevice !== undefined && device === select.keepDevice) continue;
			if (frame) this.trySend(ws, frame);
			this.closeSocket(ws, CloseCodes.SessionEnded, "session ended");
			ended++;
		}
		return ended;
	}

	/** Closes the sockets opened under the given device sessions (e.g. a session a new login replaced). */
	async closeSessions(sessionIds: string[], code: number, reason: string): Promise<number> {
		let closed = 0;
		for (const id of sessionIds) {
			for (const ws of this.ctx.getWebSockets(`sid:${id}`)) {
				this.closeSocket(ws, code, reason);
				closed++;
			}
		}
		return closed;
	}

	/** Device IDs with an open socket. */
	async connectedDevices(): Promise<string[]> {
		return [...new Set(this.ctx.getWebSockets().flatMap((ws) => this.infoOf(ws)?.deviceId ?? []))];
	}

	/** Takes `cost` tokens of one of this user's limits (HTTP routes; the socket paths check in place). */
	async take(bucket: RateBucket, cost = 1): Promise<TakeResult> {
		return this.limits.take(bucket, cost);
	}

	// ---- messaging frames ----

	async onSend(ws: WebSocket, info: SocketInfo, payload: unknown): Promise<void> {
		const localId =
			payload && typeof payload === "object" && typeof (payload as { localId?: unknown }).localId === "string"
				? (payload as { localId: string }).localId
				: "";
		const parsed = SendMessageRequest.safeParse(payload ?? {});
		if (!parsed.success) {
			const issue = parsed.error.issues[0]!;
			const path = issue.path.join(".");
			return this.send(ws, {
				type: "message.error",
				payload: { code: 400, message: path ? `${path}: ${issue.message}` : issue.message, localId },
			});
		}
		const limited = this.limits.refuseSend(localId);
		if (limited) return this.send(ws, { type: "message.error", payload: limited });
		const resolved = resolveConversationId(info.userId, parsed.data);
		const result: Promise<SendResult> = resolved.ok
			? this.submitSend(`${info.deviceId}|${resolved.conversationId}`, {
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
				if (r.ok) this.send(ws, { type: "message.sent", payload: r.ack });
				else this.send(ws, { type: "message.error", payload: { code: r.code, message: r.message, localId } });
			} catch (e) {
				console.error("message.send failed", String(e));
				this.send(ws, { type: "message.error", payload: { code: 500, message: "internal error", localId } });
			}
		});
		this.ackChains.set(info.deviceId, next);
		await next;
		if (this.ackChains.get(info.deviceId) === next) this.ackChains.delete(info.deviceId);
	}

	private submitSend(key: string, input: SendInput): Promise<SendResult> {
		return new Promise((resolve, reject) => {
			let queue = this.sendQueues.get(key);
			if (!queue) {
				queue = { busy: false, pending: [] };
				this.sendQueues.set(key, queue);
			}
			queue.pending.push({ input, resolve, reject });
			if (!queue.busy) void this.pumpSends(key, queue);
		});
	}

	private async pumpSends(key: string, queue: { busy: boolean; pending: PendingSend[] }): Promise<void> {
		queue.busy = true;
		while (queue.pending.length) {
			const batch = queue.pending.splice(0, MAX_SEND_BATCH);
			try {
				const results = await this.peers.conversation(batch[0]!.input.conversationId).sendBatch(
					batch.map((b) => b.input),
					{ echo: true },
				);
				batch.forEach((b, i) => {
					const r = results[i] ?? { ok: false, code: 500, message: "internal error" };
					// This device's other devices get the message from here, not from the fan-out.
					if (r.ok && r.echo) {
						this.upsert(b.input.senderId, r.echo.summary);
						this.deliverText(r.echo.frame, b.input.originDevice);
					}
					b.resolve(r);
				});
				this.armCheckpoint();
			} catch (e) {
				this.peers.forgetConversation(batch[0]!.input.conversationId);
				for (const b of batch) b.reject(e);
			}
		}
		queue.busy = false;
		this.sendQueues.delete(key);
	}

	async onTyping(ws: WebSocket, info: SocketInfo, payload: unknown): Promise<void> {
		const parsed = TypingFrame.safeParse(payload ?? {});
		if (!parsed.success) return this.sendError(ws, 400, `message.typing: ${parsed.error.issues[0]!.message}`);
		const resolved = resolveConversationId(info.userId, {
			conversationId: parsed.data.conversationId,
			conversationType: parsed.data.conversationType ?? "group",
		});
		if (!resolved.ok) return this.sendError(ws, resolved.code, resolved.message);
		// Repeats of the same state are dropped inside the interval; a change always goes through.
		const key = `${info.deviceId}|${resolved.conversationId}`;
		const seen = this.typingSeen.get(key);
		const t = Date.now();
		if (seen && seen.typing === parsed.data.typing && t - seen.at < TYPING_INTERVAL_MS) return;
		if (this.typingSeen.size > 1000) {
			for (const [k, v] of this.typingSeen) if (t - v.at >= TYPING_INTERVAL_MS) this.typingSeen.delete(k);
		}
		this.typingSeen.set(key, { typing: parsed.data.typing, at: t });
		const res = await conversationFor(this.env, resolved.conversationId).typing(
			resolved.conversationId,
			info.userId,
			parsed.data.typing,
		);
		if (!res.ok) this.sendError(ws, res.code, res.message);
	}

	// ---- conversation-list index (RPC from Conversations and routes) ----

	/**
	 * A Conversation stored messages: update this member's row (memory) and deliver them live.
	 * `unreadUpdate` is false for groups above SMALL_GROUP_LIMIT: there clients count unread from
	 * `message.new` sequences, and the hub is spared a second frame per member per message.
	 */
	async applyMessages(
		userId: string,
		summary: ConversationSummary,
		messages: FanoutMessage[],
		unreadUpdate = true,
	): Promise<FanoutResult> {
		const row = this.upsert(userId, summary);
		for (const m of messages) {
			this.deliverText(m.frame, m.excludeDevice);
			if (m.mentionFrame) this.deliverText(m.mentionFrame, null);
		}
		if (unreadUpdate && messages.some((m) => m.senderId !== userId)) {
			// The total counts every session, so a new instance first takes back the others' state.
			await this.ready();
			this.deliverText(JSON.stringify(notificationFrame("session.unread_updated", this.unreadData(row))), null);
		}
		// After the frames went out, so they are not held back by this write.
		this.armCheckpoint();
		return { reached: this.ctx.getWebSockets().length, muted: row.isMuted };
	}

	/** The user became a member of a conversation: its row is written now, not on its first message. */
	async track(userId: string, summary: ConversationSummary): Promise<void> {
		if (!this.sessions.has(summary.conversationId)) this.upsert(userId, summary);
	}

	/** The user read up to `summary.readSeq`: update the row and tell the user's other devices. */
	async applyRead(
		userId: string,
		summary: ConversationSummary,
		excludeDevice: string | null,
	): Promise<{ unreadCount: number; totalUnread: number }> {
		await this.ready();
		const row = this.upsert(userId, summary);
		const data = this.unreadData(row);
		this.deliverText(JSON.stringify(notificationFrame("session.unread_updated", data)), excludeDevice);
		this.armCheckpoint();
		return { unreadCount: data.unreadCount, totalUnread: data.totalUnread };
	}

	async listSessions(limit: number, updatedBefore?: number): Promise<{ list: SessionData[]; hasMore: boolean }> {
		await this.ready();
		const visible = this.ordered();
		const rows = updatedBefore === undefined ? visible : visible.filter((r) => r.updatedAt < updatedBefore);
		return { list: rows.slice(0, limit).map(toSession), hasMore: rows.length > limit };
	}

	/** Sessions changed at or after `since` (0 = the most relevant `limit`), for /sync. */
	async sessionsSince(since: number, limit: number): Promise<{ list: SessionData[]; hasMore: boolean }> {
		await this.ready();
		const visible = this.ordered();
		const rows = since === 0 ? visible : visible.filter((r) => r.updatedAt >= since);
		return { list: rows.slice(0, limit).map(toSession), hasMore: rows.length > limit };
	}

	async getSession(conversationId: string): Promise<SessionData | null> {
		await this.ready();
		const row = this.sessions.get(conversationId);
		return row && isVisible(row) ? toSession(row) : null;
	}

	async totalUnread(): Promise<number> {
		await this.ready();
		let total = 0;
		for (const r of this.sessions.values()) if (isVisible(r) && !r.isMuted) total += unreadOf(r);
		return total;
	}

	/** Pin/mute are rare user actions: written at once, then the user's other devices are told. */
	async setPinned(conversationId: string, pinned: boolean, excludeDevice: string): Promise<SessionData | null> {
		await this.ready();
		const row = this.sessions.get(conversationId);
		if (!row || !isVisible(row)) return null;
		row.isPinned = pinned;
		row.pinTime = pinned ? seconds() : 0;
		row.updatedAt = seconds();
		this.persist(row);
		const frame = notificationFrame("session.pin_updated", {
			sessionId: conversationId,
			isPinned: pinned,
			pinTime: row.pinTime,
		});
		this.deliverText(JSON.stringify(frame), excludeDevice);
		return toSession(row);
	}

	async setMuted(conversationId: string, muted: boolean, excludeDevice: string): Promise<SessionData | null> {
		await this.ready();
		const row = this.sessions.get(conversationId);
		if (!row || !isVisible(row)) return null;
		row.isMuted = muted;
		row.updatedAt = seconds();
		this.persist(row);
		const frame = notificationFrame("session.mute_updated", { sessionId: conversationId, isMuted: muted });
		this.deliverText(JSON.stringify(frame), excludeDevice);
		// Muting changes the total the user's badge shows.
		this.deliverText(JSON.stringify(notificationFrame("session.unread_updated", this.unreadData(row))), null);
		return toSession(row);
	}

	/** Hides the session until a newer message arrives. */
	async deleteSession(conversationId: string, excludeDevice: string): Promise<void> {
		await this.ready();
		const row = this.sessions.get(conversationId);
		if (row) {
			row.deletedSeq = row.lastSeq;
			row.isPinned = false;
			row.pinTime = 0;
			row.updatedAt = seconds();
			this.persist(row);
		}
		this.deliverText(
			JSON.stringify(notificationFrame("session.deleted", { sessionId: conversationId })),
			excludeDevice,
		);
	}

	/** Writes the checkpoint; a new instance first rebuilds the rows its predecessor left unwritten. */
	async alarm(): Promise<void> {
		this.checkpointAlarmSet = false;
		await this.ready();
		this.checkpoint();
	}

	/**
	 * A row changed in memory only. A hub large enough to keep a checkpoint marks itself dirty
	 * (one write, with the alarm, the first time after a checkpoint) so that a restart before the
	 * checkpoint knows to rebuild; smaller hubs always rebuild after a restart and write nothing.
	 */
	private armCheckpoint(): void {
		if (!this.dirty.size || this.sessions.size < this.checkpointMin) return;
		if (!this.dirtyMarked) {
			this.dirtyMarked = true;
			this.sql.exec("INSERT OR REPLACE INTO hub_meta (key, value) VALUES ('dirty', '1')");
		}
		if (!this.checkpointAlarmSet) {
			this.checkpointAlarmSet = true;
			void this.ctx.storage.setAlarm(Date.now() + CHECKPOINT_DELAY_MS);
		}
	}

	/** Every changed row and the end of the dirty mark, in one commit. */
	private checkpoint(): void {
		if (this.sessions.size < this.checkpointMin || (!this.dirty.size && !this.dirtyMarked && this.checkpointed)) return;
		this.ctx.storage.transactionSync(() => {
			for (const id of this.dirty) {
				const row = this.sessions.get(id);
				if (row) this.writeRow(row);
			}
			this.sql.exec("DELETE FROM hub_meta WHERE key = 'dirty'");
			this.sql.exec("INSERT OR REPLACE INTO hub_meta (key, value) VALUES ('checkpoint', '1')");
		});
		this.dirty.clear();
		this.dirtyMarked = false;
		this.checkpointed = true;
	}

	private unreadData(row: SessionRow) {
		let total = 0;
		for (const r of this.sessions.values()) if (isVisible(r) && !r.isMuted) total += unreadOf(r);
		return { sessionId: row.conversationId, unreadCount: unreadOf(row), totalUnread: total };
	}

	/**
	 * Applies a Conversation's state (never goes backwards), in memory. A conversation new to
	 * this hub is written (its ID and flags): that is the only write a message can cause here,
	 * once per user and conversation.
	 */
	private upsert(userId: string, summary: ConversationSummary): SessionRow {
		this.orderedCache = null;
		const t = seconds();
		let row = this.sessions.get(summary.conversationId);
		const isNew = !row;
		if (!row) {
			row = {
				conversationId: summary.conversationId,
				conversationType: summary.conversationType,
				targetId: summary.targetId,
				lastMessageId: "",
				lastMessageContent: "",
				lastMessageTime: 0,
				lastSeq: 0,
				readSeq: 0,
				isPinned: false,
				pinTime: 0,
				isMuted: false,
				deletedSeq: 0,
				createdAt: t,
				updatedAt: t,
				arrivedAt: 0,
			};
			this.sessions.set(row.conversationId, row);
		}
		if (summary.lastSeq >= row.lastSeq) {
			if (summary.lastSeq > row.lastSeq) row.arrivedAt = Date.now();
			row.lastSeq = summary.lastSeq;
			row.lastMessageId = summary.lastMessageId;
			row.lastMessageContent = summary.lastMessageContent;
			row.lastMessageTime = summary.lastMessageTime;
		}
		row.readSeq = Math.min(row.lastSeq, Math.max(row.readSeq, summary.readSeq));
		row.updatedAt = t;
		if (!isNew) this.dirty.add(row.conversationId);
		if (isNew) {
			// One implicit commit: the hub remembers who it is with its first conversation.
			if (!this.selfId && userId) {
				this.selfId = userId;
				this.sql.exec("INSERT OR REPLACE INTO hub_meta (key, value) VALUES ('userId', ?)", userId);
			}
			this.persist(row);
		}
		return row;
	}

	/** Applies a Conversation's state found on start-up; `updatedAt` moves only if something changed. */
	private refresh(summary: ConversationSummary): void {
		this.orderedCache = null;
		const row = this.sessions.get(summary.conversationId);
		if (!row) {
			if (this.selfId) this.upsert(this.selfId, summary);
			return;
		}
		const before = `${row.lastSeq}|${row.readSeq}|${row.lastMessageId}|${row.lastMessageContent}`;
		if (summary.lastSeq >= row.lastSeq) {
			row.lastSeq = summary.lastSeq;
			row.lastMessageId = summary.lastMessageId;
			row.lastMessageContent = summary.lastMessageContent;
			row.lastMessageTime = summary.lastMessageTime;
		}
		row.readSeq = Math.min(row.lastSeq, Math.max(row.readSeq, summary.readSeq));
		if (before !== `${row.lastSeq}|${row.readSeq}|${row.lastMessageId}|${row.lastMessageContent}`) {
			row.updatedAt = seconds();
			this.dirty.add(row.conversationId);
		}
	}

	/** Stores the row's flags (and the snapshot of its last message, a fallback if its Conversation cannot answer). */
	private persist(row: SessionRow): void {
		this.orderedCache = null;
		this.writeRow(row);
		this.dirty.delete(row.conversationId);
		// A new conversation can bring the hub to the checkpoint size with changes still unwritten.
		this.armCheckpoint();
	}

	private writeRow(row: SessionRow): void {
		this.sql.exec(
			"INSERT INTO sessions (conversation_id, row) VALUES (?, ?) ON CONFLICT(conversation_id) DO UPDATE SET row = excluded.row",
			row.conversationId,
			JSON.stringify(row),
		);
	}

	private ordered(): SessionRow[] {
		this.orderedCache ??= [...this.sessions.values()].filter(isVisible).sort(sessionOrder);
		return this.orderedCache;
	}

	/** Resolves once the index is complete (see `hydrate`); free after the first time. */
	private ready(): Promise<void> {
		if (!this.needsHydration) return Promise.resolve();
		this.hydrated ??= this.hydrate().finally(() => {
			this.hydrated = null;
		});
		return this.hydrated;
	}

	/**
	 * A new instance knows the user's conversations and flags from storage; their last message
	 * and read position are asked of each Conversation (in parallel, once per instance, on the
	 * first request that needs the whole list — live delivery never waits for it). An instance
	 * left by the former batched flush also asks D1 for every friend pair and group.
	 */
	private async hydrate(): Promise<void> {
		const userId = this.selfId;
		if (!userId) {
			this.needsHydration = false;
			return;
		}
		const ids = new Set(this.sessions.keys());
		if (this.legacyUnflushed) for (const id of await conversationIdsOf(this.env, userId)) ids.add(id);
		const summaries = await Promise.all(
			[...ids].map((id) =>
				conversationFor(this.env, id)
					.summaryFor(id, userId)
					.catch(() => null),
			),
		);
		for (const s of summaries) if (s) this.refresh(s);
		this.needsHydration = false;
		this.legacyUnflushed = false;
		this.armCheckpoint();
	}

	private deliverText(text: string, excludeDevice: string | null): number {
		return this.sendToDevices(new OutgoingFrame(text), excludeDevice);
	}

	/** Writes one frame to every device but `excludeDevice`, each in its socket's wire format; counts the devices reached. */
	private sendToDevices(out: OutgoingFrame, excludeDevice: string | null): number {
		let reached = 0;
		for (const ws of this.ctx.getWebSockets()) {
			const info = this.infoOf(ws);
			if (excludeDevice && info?.deviceId === excludeDevice) continue;
			try {
				ws.send(out.for(info?.wire));
				reached++;
			} catch {
				// A socket that is already closing is not a delivery.
			}
		}
		return reached;
	}

	send(ws: WebSocket, frame: object): void {
		this.trySend(ws, frame);
	}

	sendError(ws: WebSocket, code: number, message: string): void {
		this.send(ws, { type: "error", payload: { code, message } });
	}

	/**
	 * A socket's attachment never changes after the upgrade, and reading it deserialises it:
	 * kept per socket object for this instance's life (a woken instance has new objects).
	 */
	private infoOf(ws: WebSocket): SocketInfo | null {
		const known = this.socketInfo.get(ws);
		if (known) return known;
		try {
			const info = ws.deserializeAttachment() as SocketInfo | null;
			if (info) this.socketInfo.set(ws, info);
			return info;
		} catch {
			return null;
		}
	}

	/** Writes one frame in the socket's encoding. */
	private trySend(ws: WebSocket, frame: object): void {
		try {
			ws.send(new OutgoingFrame(frame).for(this.infoOf(ws)?.wire));
		} catch {
			// Closing or closed: nothing to deliver to.
		}
	}

	private closeSocket(ws: WebSocket, code: number, reason: string): void {
		try {
			ws.close(code, reason);
		} catch {
			// Already closed.
		}
	}
}
