/**
 * Transport baseline for `npm run bench`: a raw Node `ws` relay speaking the same frames as
 * the product (message.send → message.sent ack; message.new notification to every other
 * socket of the room). No storage: it shows what the sockets and JSON alone cost.
 * Run with Node's own type stripping: `node bench/transport-baseline.ts <port>`.
 */
import { createServer } from "node:http";
import { type WebSocket, WebSocketServer } from "ws";

const port = Number(process.argv[2] ?? 0);
const rooms = new Map<string, Set<WebSocket>>();
const seqs = new Map<string, number>();

const server = createServer((req, res) => {
	res.writeHead(req.url === "/health" ? 200 : 404).end(req.url === "/health" ? "ok" : "");
});
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

server.on("upgrade", (req, socket, head) => {
	const url = new URL(req.url ?? "/", "http://127.0.0.1");
	const room = url.searchParams.get("room") ?? "default";
	const user = url.searchParams.get("user") ?? "anon";
	wss.handleUpgrade(req, socket, head, (ws) => {
		const members = rooms.get(room) ?? new Set<WebSocket>();
		rooms.set(room, members);
		members.add(ws);
		ws.on("close", () => {
			members.delete(ws);
			if (!members.size) rooms.delete(room);
		});
		ws.on("message", (data) => {
			let frame: { type?: string; payload?: any };
			try {
				frame = JSON.parse(data.toString());
			} catch {
				return ws.send('{"type":"error","payload":{"code":400,"message":"frame is not valid JSON"}}');
			}
			if (frame.type === "ping") return ws.send('{"type":"pong","payload":null}');
			if (frame.type !== "message.send") return;
			const p = frame.payload;
			const seq = (seqs.get(room) ?? 0) + 1;
			seqs.set(room, seq);
			const now = Math.floor(Date.now() / 1000);
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
			for (const other of members) if (other !== ws) other.send(note);
		});
	});
});

server.listen(port, "127.0.0.1", () => {
	const addr = server.address();
	console.log(`transport baseline listening on ${typeof addr === "object" && addr ? addr.port : port}`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(0));
