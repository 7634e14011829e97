/**
 * The TCP relay `npm start` puts in front of `wrangler dev`, so that a WebSocket close the server
 * starts ends the connection. Root cause (seen with workerd of wrangler 4.156): when a Durable
 * Object closes a hibernatable socket from an RPC call or an alarm (password change, ban, logout
 * of another device, a replaced connection), workerd sends the close frame and reads the client's
 * close frame, but then stops reading the connection: the client's FIN is never read (the server
 * side sits in CLOSE-WAIT with Recv-Q 1) and the TCP connection is never closed. It happens on
 * workerd's own listening socket too, so it is not wrangler's proxy, and Miniflare runs the same
 * workerd. A client that waits for the server to close TCP (RFC 6455 §7.1.1: Chromium, undici)
 * or for its own timeout (`ws`: 30 s) sees no close event until then.
 *
 * The relay passes every byte through unchanged. On a connection whose first request is a
 * WebSocket upgrade answered with 101 it watches the frame headers both ways; once a close frame
 * has passed in each direction, the handshake is complete and it closes the client's TCP
 * connection itself, as the server should have. Deployed Workers are not behind it.
 */
import { connect, createServer, type Server, type Socket } from "node:net";

/** How long a close the server sent may wait for the client's answer before the relay gives up on it. */
const CLOSE_ANSWER_MS = 5000;
/** An HTTP request or response head longer than this is not looked at (pass-through). */
const MAX_HEAD = 64 * 1024;

/**
 * Follows a WebSocket byte stream frame by frame (headers only, the payload is skipped without
 * copying) and says when a close frame (opcode 8) has passed. Frames may arrive split or coalesced.
 */
export class FrameTracker {
	closed = false;
	/** Bytes of the current frame's payload still to skip. */
	private skip = 0;
	/** An incomplete frame header carried to the next chunk. */
	private head: Buffer = Buffer.alloc(0);

	push(chunk: Buffer): void {
		let buf = this.head.length ? Buffer.concat([this.head, chunk]) : chunk;
		this.head = Buffer.alloc(0);
		while (buf.length) {
			if (this.skip > 0) {
				const n = Math.min(this.skip, buf.length);
				this.skip -= n;
				buf = buf.subarray(n);
				continue;
			}
			const parsed = parseHeader(buf);
			if (!parsed) {
				this.head = Buffer.from(buf);
				return;
			}
			if (parsed.opcode === 8) this.closed = true;
			this.skip = parsed.payload;
			buf = buf.subarray(parsed.headerLength);
		}
	}
}

/** One frame header (RFC 6455 §5.2), or null when `buf` does not hold all of it yet. */
export function parseHeader(buf: Buffer): { opcode: number; headerLength: number; payload: number } | null {
	if (buf.length < 2) return null;
	const opcode = buf[0]! & 0x0f;
	const masked = (buf[1]! & 0x80) !== 0;
	let payload = buf[1]! & 0x7f;
	let at = 2;
	if (payload === 126) {
		if (buf.length < 4) return null;
		payload = buf.readUInt16BE(2);
		at = 4;
	} else if (payload === 127) {
		if (buf.length < 10) return null;
		payload = Number(buf.readBigUInt64BE(2));
		at = 10;
	}
	if (masked) at += 4;
	if (buf.length < at) return null;
	return { opcode, headerLength: at, payload };
}

const headEnd = (buf: Buffer) => buf.indexOf("\r\n\r\n");

/** Relays one client connection to `upstream`, closing it once a WebSocket close handshake is complete. */
function relay(client: Socket, upstream: { host: string; port: number }): void {
	const server = connect(upstream);
	client.setNoDelay(true);
	server.setNoDelay(true);
	let requestHead: Buffer | null = Buffer.alloc(0);
	let responseHead: Buffer | null = null;
	let fromClient: FrameTracker | null = null;
	let fromServer: FrameTracker | null = null;
	let answerTimer: ReturnType<typeof setTimeout> | null = null;
	// Client bytes after the request head but before the 101 (none in practice) are frames too.
	let pendingClientBytes: Buffer | null = null;

	const finish = () => {
		if (answerTimer) clearTimeout(answerTimer);
		// The client's close frame has been written to the server: the server's part is done.
		client.end();
		server.destroy();
	};
	const checkClosed = () => {
		if (fromClient?.closed && fromServer?.closed) finish();
		else if (fromServer?.closed && !answerTimer)
			answerTimer = setTimeout(() => {
				client.destroy();
				server.destroy();
			}, CLOSE_ANSWER_MS);
	};

	client.on("data", (chunk: Buffer) => {
		if (fromClient) {
			server.write(chunk);
			fromClient.push(chunk);
			checkClosed();
			return;
		}
		if (!requestHead) {
			server.write(chunk);
			return;
		}
		// The first request's head is held until it is complete, so it can be looked at (and rewritten).
		const held = Buffer.concat([requestHead, chunk]);
		requestHead = held;
		const end = headEnd(held);
		if (end < 0) {
			if (held.length > MAX_HEAD) {
				server.write(held);
				requestHead = null;
			}
			return;
		}
		const head = held.subarray(0, end).toString("latin1");
		const rest = held.subarray(end + 4);
		requestHead = null;
		if (/^GET /.test(head) && /^upgrade:\s*websocket\s*$/im.test(head)) {
			// Watched from the 101 on.
			responseHead = Buffer.alloc(0);
			server.write(Buffer.concat([Buffer.from(`${head}\r\n\r\n`, "latin1"), rest]));
			if (rest.length) pendingClientBytes = rest;
			return;
		}
		// Any other request is the connection's only one: clients (undici's fetch and WebSocket
		// among them) reuse idle keep-alive connections for upgrades, and only a connection's first
		// request is looked at here. `Connection: close` makes the server end it after the response.
		const single = `${head.replace(/^connection:[^\r\n]*\r\n/gim, "").replace(/\r\nconnection:[^\r\n]*$/i, "")}\r\nConnection: close\r\n\r\n`;
		server.write(Buffer.concat([Buffer.from(single, "latin1"), rest]));
	});

	server.on("data", (chunk: Buffer) => {
		client.write(chunk);
		if (fromServer) {
			fromServer.push(chunk);
			checkClosed();
			return;
		}
		if (!responseHead) return;
		const held = Buffer.concat([responseHead, chunk]);
		responseHead = held;
		const end = headEnd(held);
		if (end < 0) {
			if (held.length > MAX_HEAD) responseHead = null;
			return;
		}
		const upgraded = /^HTTP\/1\.1 101 /.test(held.subarray(0, end).toString("latin1"));
		const rest = held.subarray(end + 4);
		responseHead = null;
		if (!upgraded) return;
		fromServer = new FrameTracker();
		fromClient = new FrameTracker();
		if (pendingClientBytes) fromClient.push(pendingClientBytes);
		if (rest.length) fromServer.push(rest);
		checkClosed();
	});

	client.on("end", () => server.end());
	server.on("end", () => client.end());
	client.on("error", () => server.destroy());
	server.on("error", () => client.destroy());
	client.on("close", () => {
		if (answerTimer) clearTimeout(answerTimer);
		server.destroy();
	});
	server.on("close", () => client.end());
}

/** Listens on host:port and relays every connection to `upstream`. */
export function startFrontRelay(listen: { host: string; port: number }, upstream: { host: string; port: number }) {
	const server: Server = createServer((client) => relay(client, upstream));
	return new Promise<Server>((resolve, reject) => {
		server.once("error", reject);
		server.listen(listen.port, listen.host, () => resolve(server));
	});
}
