import { chooseSubprotocol, OutgoingFrame, wireOf } from "../../contracts/frame-codec";
import { CloseCodes } from "../../contracts/ws";
import type { AuthContext } from "../../domain/identity";
import type { SocketInfo } from "./types";

const deviceTag = (deviceId: string) => `device:${deviceId}`;

/**
 * The user's live sockets (one per device, hibernation API), tagged by device and by device
 * session; the single place that writes frames to them.
 */
export class Sockets {
	private readonly socketInfo = new WeakMap<WebSocket, SocketInfo>();

	constructor(private readonly ctx: DurableObjectState) {}

	/** Accepts a device's new socket, in the encoding it offered; returns the client end. */
	open(
		identity: AuthContext,
		offered: string | null,
		requestId?: string,
	): { client: WebSocket; server: WebSocket; subprotocol: string | null } {
		// One socket per device: a new one replaces the old.
		for (const old of this.ctx.getWebSockets(deviceTag(identity.deviceId))) {
			this.close(old, CloseCodes.Replaced, "replaced by a new connection");
		}
		const pair = new WebSocketPair();
		const [client, server] = [pair[0], pair[1]];
		this.ctx.acceptWebSocket(server, [deviceTag(identity.deviceId), `sid:${identity.sessionId}`]);
		const subprotocol = chooseSubprotocol(offered);
		server.serializeAttachment({
			...identity,
			connectedAt: Date.now(),
			wire: wireOf(subprotocol),
			requestId,
		} satisfies SocketInfo);
		return { client, server, subprotocol };
	}

	/** Sockets open now. */
	count(): number {
		return this.ctx.getWebSockets().length;
	}

	/** Whether any socket but `leaving` is still open (a closing one no longer counts). */
	anyOpen(leaving?: WebSocket): boolean {
		return this.ctx.getWebSockets().some((ws) => ws !== leaving && ws.readyState === WebSocket.OPEN);
	}

	/**
	 * Each selected socket receives `frame` (if any) and is closed with 4003. Select by device
	 * IDs, or every device except `keepDevice`.
	 */
	endDevices(select: { deviceIds?: string[]; keepDevice?: string }, frame: object | null): number {
		let ended = 0;
		for (const ws of this.ctx.getWebSockets()) {
			const device = this.infoOf(ws)?.deviceId;
			if (!device) continue;
			if (select.deviceIds && !select.deviceIds.includes(device)) continue;
			if (select.keepDevice !== undefined && device === select.keepDevice) continue;
			if (frame) this.send(ws, frame);
			this.close(ws, CloseCodes.SessionEnded, "session ended");
			ended++;
		}
		return ended;
	}

	/** Closes the sockets opened under the given device sessions. */
	closeSessions(sessionIds: string[], code: number, reason: string): number {
		let closed = 0;
		for (const id of sessionIds) {
			for (const ws of this.ctx.getWebSockets(`sid:${id}`)) {
				this.close(ws, code, reason);
				closed++;
			}
		}
		return closed;
	}

	/** Device IDs with an open socket. */
	connectedDevices(): string[] {
		return [...new Set(this.ctx.getWebSockets().flatMap((ws) => this.infoOf(ws)?.deviceId ?? []))];
	}

	/** Sends a frame to every device of this user, except `excludeDevice`. Returns how many were reached. */
	deliver(frame: object, excludeDevice: string | null): number {
		return this.sendToDevices(new OutgoingFrame(frame), excludeDevice);
	}

	/** The same, for a frame already serialised as JSON (e.g. by a Conversation). */
	deliverText(text: string, excludeDevice: string | null): number {
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

	/** Writes one frame in the socket's encoding. */
	send(ws: WebSocket, frame: object): void {
		try {
			ws.send(new OutgoingFrame(frame).for(this.infoOf(ws)?.wire));
		} catch {
			// Closing or closed: nothing to deliver to.
		}
	}

	sendError(ws: WebSocket, code: number, message: string): void {
		this.send(ws, { type: "error", payload: { code, message } });
	}

	/**
	 * A socket's attachment never changes after the upgrade, and reading it deserialises it:
	 * kept per socket object for this instance's life (a woken instance has new objects).
	 */
	infoOf(ws: WebSocket): SocketInfo | null {
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

	close(ws: WebSocket, code: number, reason: string): void {
		try {
			ws.close(code, reason);
		} catch {
			// Already closed.
		}
	}
}
