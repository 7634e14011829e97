import { DurableObject } from "cloudflare:workers";
import { CloseCodes, MAX_FRAME_BYTES } from "../contracts/ws";
import type { Bindings } from "../workers/env";
import type { AuthContext } from "../workers/lib/auth";
import { IDENTITY_HEADER } from "../workers/lib/identity";

/** What each hibernated socket remembers about itself. */
export interface SocketInfo extends AuthContext {
	connectedAt: number;
}

type Frame = { type: string; payload?: unknown };
type FrameHandler = (hub: UserHub, ws: WebSocket, info: SocketInfo, payload: unknown) => Promise<void> | void;

const deviceTag = (deviceId: string) => `device:${deviceId}`;

/** UTF-8 size of a frame; strings are encoded only when their length alone cannot rule it out. */
const frameBytes = (message: string | ArrayBuffer) =>
	typeof message !== "string"
		? message.byteLength
		: message.length * 3 <= MAX_FRAME_BYTES
			? message.length
			: new TextEncoder().encode(message).byteLength;

/**
 * One per user (`user:<id>`): holds the user's live sockets (one per device, hibernation
 * API) and is the single place that writes frames to them.
 */
export class UserHub extends DurableObject<Bindings> {
	/** Client frame types and what they do; features add their handlers here. */
	static readonly handlers: Record<string, FrameHandler> = {
		ping: (hub, ws) => hub.send(ws, { type: "pong", payload: null }),
	};

	async fetch(request: Request): Promise<Response> {
		if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
			return new Response("expected a WebSocket upgrade", { status: 426 });
		}
		const identity = JSON.parse(request.headers.get(IDENTITY_HEADER) ?? "null") as AuthContext | null;
		if (!identity) return new Response("missing identity", { status: 400 });

		// One socket per device: a new one replaces the old.
		for (const old of this.ctx.getWebSockets(deviceTag(identity.deviceId))) {
			this.closeSocket(old, CloseCodes.Replaced, "replaced by a new connection");
		}
		const pair = new WebSocketPair();
		const [client, server] = [pair[0], pair[1]];
		this.ctx.acceptWebSocket(server, [deviceTag(identity.deviceId), `sid:${identity.sessionId}`]);
		server.serializeAttachment({ ...identity, connectedAt: Date.now() } satisfies SocketInfo);

		const offered = (request.headers.get("Sec-WebSocket-Protocol") ?? "").split(",").map((s) => s.trim());
		const headers = new Headers();
		if (offered.includes("anychat")) headers.set("Sec-WebSocket-Protocol", "anychat");
		return new Response(null, { status: 101, webSocket: client, headers });
	}

	async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
		const info = ws.deserializeAttachment() as SocketInfo;
		if (frameBytes(message) > MAX_FRAME_BYTES)
			return this.sendError(ws, 413, `frame larger than ${MAX_FRAME_BYTES} bytes`);
		if (typeof message !== "string") return this.sendError(ws, 400, "binary frames are not supported");
		let frame: Frame;
		try {
			frame = JSON.parse(message);
		} catch {
			return this.sendError(ws, 400, "frame is not valid JSON");
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
		const text = JSON.stringify(frame);
		let reached = 0;
		for (const ws of this.ctx.getWebSockets()) {
			if (excludeDevice && this.infoOf(ws)?.deviceId === excludeDevice) continue;
			try {
				ws.send(text);
				reached++;
			} catch {
				// A socket that is already closing is not a delivery.
			}
		}
		return reached;
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
			if (frame) this.trySend(ws, JSON.stringify(frame));
			this.closeSocket(ws, CloseCodes.SessionEnded, "session ended");
			ended++;
		}
		return ended;
	}

	/** Device IDs with an open socket. */
	async connectedDevices(): Promise<string[]> {
		return this.ctx.getWebSockets().flatMap((ws) => this.infoOf(ws)?.deviceId ?? []);
	}

	send(ws: WebSocket, frame: object): void {
		this.trySend(ws, JSON.stringify(frame));
	}

	sendError(ws: WebSocket, code: number, message: string): void {
		this.send(ws, { type: "error", payload: { code, message } });
	}

	private infoOf(ws: WebSocket): SocketInfo | null {
		try {
			return ws.deserializeAttachment() as SocketInfo | null;
		} catch {
			return null;
		}
	}

	private trySend(ws: WebSocket, text: string): void {
		try {
			ws.send(text);
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
