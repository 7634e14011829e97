import { DurableObject } from "cloudflare:workers";

interface Env {
	ROOM: DurableObjectNamespace<Room>;
}

/**
 * Speaks the subset of the AnyChat frames the load generator uses, so the same generator
 * drives both: `message.send` → `message.sent` ack to the sender (after the INSERT commits)
 * and a `message.new` notification to every other socket in the room.
 */
export class Room extends DurableObject<Env> {
	private seq = 0;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		ctx.blockConcurrencyWhile(async () => {
			ctx.storage.sql.exec(
				"CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, sender TEXT NOT NULL, body TEXT NOT NULL)",
			);
			this.seq = ctx.storage.sql.exec<{ s: number }>("SELECT COALESCE(MAX(seq), 0) AS s FROM messages").one().s;
		});
	}

	async fetch(request: Request): Promise<Response> {
		const user = new URL(request.url).searchParams.get("user") ?? "anon";
		const pair = new WebSocketPair();
		this.ctx.acceptWebSocket(pair[1], [user]);
		pair[1].serializeAttachment({ user });
		return new Response(null, { status: 101, webSocket: pair[0] });
	}

	async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
		const frame = JSON.parse(typeof message === "string" ? message : new TextDecoder().decode(message));
		if (frame.type === "ping") return ws.send('{"type":"pong","payload":null}');
		if (frame.type !== "message.send") return;
		const { user } = ws.deserializeAttachment() as { user: string };
		const p = frame.payload;
		const seq = ++this.seq;
		this.ctx.storage.sql.exec("INSERT INTO messages (seq, sender, body) VALUES (?, ?, ?)", seq, user, p.content);
		const now = Math.floor(Date.now() / 1000);
		// Output gates hold these sends until the INSERT above is durable, like the product's ack.
		ws.send(
			JSON.stringify({
				type: "message.sent",
				payload: { messageId: String(seq), sequence: seq, timestamp: now, localId: p.localId },
			}),
		);
		const note = JSON.stringify({
			type: "notification",
			payload: {
				notificationType: "message.new",
				timestamp: now,
				data: {
					messageId: String(seq),
					conversationId: p.conversationId,
					senderId: user,
					content: p.content,
					sequence: seq,
					localId: p.localId,
				},
			},
		});
		for (const other of this.ctx.getWebSockets()) if (other !== ws) other.send(note);
	}

	async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
		ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
	}
}

export default {
	async fetch(request: Request, env: Env): Promise<Response> {
		const url = new URL(request.url);
		if (url.pathname === "/health") return new Response("ok");
		const room = url.searchParams.get("room") ?? "default";
		return env.ROOM.getByName(room).fetch(request);
	},
} satisfies ExportedHandler<Env>;
