import { DurableObject } from "cloudflare:workers";
import type { NotificationData, NotificationType } from "../../contracts/notifications";
import type { SessionData } from "../../contracts/sessions";
import { CloseCodes } from "../../contracts/ws";
import { sessionState } from "../../db/device-sessions";
import { config, type RateBucket } from "../../domain/config";
import type { Bindings } from "../../domain/env";
import { type AuthContext, IDENTITY_HEADER } from "../../domain/identity";
import type { ConversationSummary, FanoutMessage, FanoutResult } from "../../domain/messaging-types";
import { toSession } from "../../domain/session-rows";
import { logError, REQUEST_ID_HEADER, withRequestId } from "../../platform/log";
import { notificationFrame } from "../../platform/notify";
import { PeerStubs } from "../../platform/stubs";
import { RateLimiter, type TakeResult } from "../rate-limits";
import { Checkpoint } from "./checkpoint";
import { hubDb } from "./db";
import { readFrame } from "./frames";
import { HubPresence } from "./presence";
import { SendPipeline } from "./send-pipeline";
import { SessionIndex } from "./session-index";
import { Sockets } from "./sockets";
import { startUp } from "./start-up";
import type { SocketInfo } from "./types";
import { Typing } from "./typing";

export { CHECKPOINT_DELAY_MS } from "./checkpoint";
export type { SocketInfo } from "./types";

type FrameHandler = (hub: UserHub, ws: WebSocket, info: SocketInfo, payload: unknown) => Promise<void> | void;

/**
 * One per user (`user:<id>`): holds the user's live sockets (one per device, hibernation
 * API) and is the single place that writes frames to them (sockets.ts), and the user's
 * conversation list (session-index.ts, checkpoint.ts). This class is the lifecycle and the RPC
 * surface; each concern is a module beside it.
 */
export class UserHub extends DurableObject<Bindings> {
	/** Client frame types and what they do; features add their handlers here. */
	static readonly handlers: Record<string, FrameHandler> = {
		ping: (hub, ws) => hub.send(ws, { type: "pong", payload: null }),
		"message.send": (hub, ws, info, payload) => hub.onSend(ws, info, payload),
		"message.typing": (hub, ws, info, payload) => hub.onTyping(ws, info, payload),
	};

	private readonly db = hubDb(this.ctx.storage);
	private readonly checkpoint = new Checkpoint(this.ctx.storage, this.db, config(this.env).hubCheckpointSessions);
	private readonly index = new SessionIndex(this.env, this.db, this.checkpoint);
	private readonly sockets = new Sockets(this.ctx);
	/** Per-user abuse limits (rate-limits.ts): in-memory checks, see there for what survives eviction. */
	private readonly limits = new RateLimiter(config(this.env).rateLimits, this.ctx.storage.kv);
	private readonly sends = new SendPipeline(new PeerStubs(this.env), this.limits, this.sockets, this.index);
	private readonly typing = new Typing(this.env, this.sockets);
	private readonly presence = new HubPresence(this.env, this.index, this.sockets.anyOpen());

	constructor(ctx: DurableObjectState, env: Bindings) {
		super(ctx, env);
		ctx.blockConcurrencyWhile(() => startUp(ctx.storage, this.db, this.index, this.checkpoint));
	}

	/** Whether this instance rebuilds its list from the Conversations first (read by test/hub-checkpoint.test.ts). */
	protected get needsHydration(): boolean {
		return this.index.needsHydration;
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

		const { client, server, subprotocol } = this.sockets.open(
			identity,
			request.headers.get("Sec-WebSocket-Protocol"),
			request.headers.get(REQUEST_ID_HEADER) || undefined,
		);

		// The Worker checked the session, but it may have ended since (logout, password change)
		// with its sockets closed before this one existed. Checking again now that the socket is
		// registered closes that gap: a later end finds the socket, an earlier one is seen here.
		if ((await sessionState(this.env, identity.userId, identity.sessionId)) !== "active") {
			this.sockets.close(server, CloseCodes.SessionEnded, "session ended");
		}
		// The user's groups learn the user is online before the client can sync, so no message
		// falls between the sync and the live fan-out.
		await this.presence.update(identity.userId, this.sockets.anyOpen());

		const headers = new Headers();
		if (subprotocol) headers.set("Sec-WebSocket-Protocol", subprotocol);
		return new Response(null, { status: 101, webSocket: client, headers });
	}

	async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
		const info = this.sockets.infoOf(ws);
		if (!info) return this.sendError(ws, 500, "internal error");
		const read = readFrame(info, message);
		if (!read.ok) return this.sendError(ws, read.code, read.message);
		const { frame } = read;
		const handler = Object.hasOwn(UserHub.handlers, frame.type) ? UserHub.handlers[frame.type] : undefined;
		if (!handler) return this.sendError(ws, 400, `unknown frame type: ${frame.type.slice(0, 64)}`);
		try {
			await withRequestId(info.requestId, () => handler(this, ws, info, frame.payload));
		} catch (e) {
			logError("frame handler failed", e, { requestId: info.requestId, frameType: frame.type });
			this.sendError(ws, 500, "internal error");
		}
	}

	async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
		// 1005/1006 are reserved for "no status"/"abnormal" and cannot be sent back.
		this.sockets.close(ws, code === 1005 || code === 1006 ? 1000 : code, reason);
		await this.leaving(ws);
	}

	async webSocketError(ws: WebSocket): Promise<void> {
		this.sockets.close(ws, 1011, "socket error");
		await this.leaving(ws);
	}

	/** The last socket closing takes the user offline in their groups. */
	private async leaving(ws: WebSocket): Promise<void> {
		const userId = this.sockets.infoOf(ws)?.userId;
		if (userId && !this.sockets.anyOpen(ws)) await this.presence.update(userId, false);
	}

	/** The list is about to be read: complete after a restart, and the groups' rows current while offline. */
	private async current(): Promise<void> {
		await this.index.ready();
		if (!this.presence.live) await this.index.refreshGroups();
	}

	/** Writes the checkpoint; a new instance first rebuilds the rows its predecessor left unwritten. */
	async alarm(): Promise<void> {
		this.checkpoint.alarmSet = false;
		await this.index.ready();
		this.index.writeCheckpoint();
	}

	// ---- sockets (RPC from the Worker) ----

	/** Sends a frame to every device of this user, except `excludeDevice`. Returns how many were reached. */
	async deliver(frame: object, excludeDevice: string | null = null): Promise<number> {
		return this.sockets.deliver(frame, excludeDevice);
	}

	/**
	 * Ends live devices: each selected socket receives `frame` (e.g. auth.force_logout) and is
	 * closed with 4003. Select by device IDs, or every device except `keepDevice`.
	 */
	async endDevices(select: { deviceIds?: string[]; keepDevice?: string }, frame: object | null): Promise<number> {
		return this.sockets.endDevices(select, frame);
	}

	/** Closes the sockets opened under the given device sessions (e.g. a session a new login replaced). */
	async closeSessions(sessionIds: string[], code: number, reason: string): Promise<number> {
		return this.sockets.closeSessions(sessionIds, code, reason);
	}

	/** Device IDs with an open socket. */
	async connectedDevices(): Promise<string[]> {
		return this.sockets.connectedDevices();
	}

	/** Takes `cost` tokens of one of this user's limits (HTTP routes; the socket paths check in place). */
	async take(bucket: RateBucket, cost = 1): Promise<TakeResult> {
		return this.limits.take(bucket, cost);
	}

	// ---- messaging frames ----

	async onSend(ws: WebSocket, info: SocketInfo, payload: unknown): Promise<void> {
		return this.sends.onSend(ws, info, payload);
	}

	async onTyping(ws: WebSocket, info: SocketInfo, payload: unknown): Promise<void> {
		return this.typing.onTyping(ws, info, payload);
	}

	send(ws: WebSocket, frame: object): void {
		this.sockets.send(ws, frame);
	}

	sendError(ws: WebSocket, code: number, message: string): void {
		this.sockets.sendError(ws, code, message);
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
		const row = this.index.upsert(userId, summary);
		for (const m of messages) {
			this.sockets.deliverText(m.frame, m.excludeDevice);
			if (m.mentionFrame) this.sockets.deliverText(m.mentionFrame, null);
		}
		if (unreadUpdate && messages.some((m) => m.senderId !== userId)) {
			// The total counts every session, so a new instance first takes back the others' state.
			await this.index.ready();
			this.notify("session.unread_updated", this.index.unreadData(row), null);
		}
		// After the frames went out, so they are not held back by this write.
		this.index.armCheckpoint();
		return { reached: this.sockets.count(), muted: row.isMuted };
	}

	/** The user became a member of a conversation: its row is written now, not on its first message. */
	async track(userId: string, summary: ConversationSummary): Promise<void> {
		if (!this.index.has(summary.conversationId)) this.index.upsert(userId, summary);
		if (summary.conversationType === "group") await this.presence.joined(userId, summary.conversationId);
	}

	/** The user read up to `summary.readSeq`: update the row and tell the user's other devices. */
	async applyRead(
		userId: string,
		summary: ConversationSummary,
		excludeDevice: string | null,
	): Promise<{ unreadCount: number; totalUnread: number }> {
		await this.current();
		const row = this.index.upsert(userId, summary);
		const data = this.index.unreadData(row);
		this.notify("session.unread_updated", data, excludeDevice);
		this.index.armCheckpoint();
		return { unreadCount: data.unreadCount, totalUnread: data.totalUnread };
	}

	async listSessions(limit: number, updatedBefore?: number): Promise<{ list: SessionData[]; hasMore: boolean }> {
		await this.current();
		return this.index.listBefore(limit, updatedBefore);
	}

	/** Sessions changed at or after `since` (0 = the most relevant `limit`), for /sync. */
	async sessionsSince(since: number, limit: number): Promise<{ list: SessionData[]; hasMore: boolean }> {
		await this.current();
		return this.index.listSince(since, limit);
	}

	/** The conversations a message search across all of the user's looks in. */
	async conversationIds(): Promise<string[]> {
		return this.index.conversationIds();
	}

	async getSession(conversationId: string): Promise<SessionData | null> {
		await this.current();
		return this.index.get(conversationId);
	}

	/**
	 * For a push about a conversation: whether the user muted it (no push then) and the badge.
	 * A large group queues pushes without asking each member's hub, so the mute is applied here.
	 */
	async pushState(conversationId: string): Promise<{ muted: boolean; totalUnread: number }> {
		await this.current();
		return { muted: this.index.isMuted(conversationId), totalUnread: this.index.totalUnread() };
	}

	async totalUnread(): Promise<number> {
		await this.current();
		return this.index.totalUnread();
	}

	/** Pin/mute are rare user actions: written at once, then the user's other devices are told. */
	async setPinned(conversationId: string, pinned: boolean, excludeDevice: string): Promise<SessionData | null> {
		await this.index.ready();
		const row = this.index.setPinned(conversationId, pinned);
		if (!row) return null;
		this.notify(
			"session.pin_updated",
			{ sessionId: conversationId, isPinned: pinned, pinTime: row.pinTime },
			excludeDevice,
		);
		return toSession(row);
	}

	async setMuted(conversationId: string, muted: boolean, excludeDevice: string): Promise<SessionData | null> {
		await this.index.ready();
		const row = this.index.setMuted(conversationId, muted);
		if (!row) return null;
		this.notify("session.mute_updated", { sessionId: conversationId, isMuted: muted }, excludeDevice);
		// Muting changes the total the user's badge shows.
		this.notify("session.unread_updated", this.index.unreadData(row), null);
		return toSession(row);
	}

	/** Hides the session until a newer message arrives. */
	async deleteSession(conversationId: string, excludeDevice: string): Promise<void> {
		await this.index.ready();
		this.index.hide(conversationId);
		this.notify("session.deleted", { sessionId: conversationId }, excludeDevice);
	}

	/** A notification frame about the list, to the user's devices but `excludeDevice`. */
	private notify<T extends NotificationType>(type: T, data: NotificationData<T>, excludeDevice: string | null): void {
		this.sockets.deliverText(JSON.stringify(notificationFrame(type, data)), excludeDevice);
	}
}
