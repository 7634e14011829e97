import WebSocket from "ws";
import { decode, type Incoming } from "./frames";
import { sleep } from "./stats";

/** One endpoint the generator drives: the product or a baseline, all speaking the same frames. */
export interface Target {
	name: "product" | "platform" | "transport";
	/** Socket URL for `user`'s device; baselines put sockets of one conversation in one room. */
	socketUrl(user: SocketUser, room: string): string;
}

export interface SocketUser {
	userId: string;
	/** Product only: an access token bound to one device. */
	token?: string;
}

export function productTarget(port: number): Target {
	return {
		name: "product",
		socketUrl: (u) => `ws://127.0.0.1:${port}/api/v1/ws?token=${encodeURIComponent(u.token ?? "")}`,
	};
}

export function baselineTarget(name: "platform" | "transport", port: number): Target {
	return {
		name,
		socketUrl: (u, room) =>
			`ws://127.0.0.1:${port}/ws?room=${encodeURIComponent(room)}&user=${encodeURIComponent(u.userId)}`,
	};
}

/** A client socket; `onFrame` sees every decoded frame with its arrival time (performance.now()). */
export class BenchSocket {
	onFrame: (frame: Incoming, at: number) => void = () => {};
	errors: string[] = [];

	private constructor(readonly ws: WebSocket) {
		ws.on("message", (data, isBinary) => {
			const at = performance.now();
			if (isBinary) return;
			let frame: Incoming;
			try {
				frame = decode(data.toString());
			} catch {
				this.errors.push("undecodable frame");
				return;
			}
			if (frame.kind === "error") this.errors.push(`${frame.code} ${frame.message}`);
			this.onFrame(frame, at);
		});
		ws.on("error", (e) => this.errors.push(String(e)));
	}

	static open(url: string, timeoutMs = 30_000): Promise<BenchSocket> {
		return new Promise((resolve, reject) => {
			const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
			const fail = (e: unknown) => {
				ws.removeAllListeners();
				ws.on("error", () => {});
				ws.terminate();
				reject(e instanceof Error ? e : new Error(String(e)));
			};
			ws.once("open", () => {
				ws.removeListener("error", fail);
				resolve(new BenchSocket(ws));
			});
			ws.once("error", fail);
			ws.once("unexpected-response", (_req, res) => fail(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
		});
	}

	send(text: string): void {
		this.ws.send(text);
	}

	get open(): boolean {
		return this.ws.readyState === WebSocket.OPEN;
	}
}

/** Runs `fn` over `items` with at most `concurrency` at once. */
export async function pool<T, R>(items: T[], concurrency: number, fn: (item: T, index: number) => Promise<R>) {
	const out: R[] = new Array(items.length);
	let next = 0;
	await Promise.all(
		Array.from({ length: Math.min(concurrency, items.length) }, async () => {
			while (next < items.length) {
				const i = next++;
				out[i] = await fn(items[i]!, i);
			}
		}),
	);
	return out;
}

export async function openMany(urls: string[], concurrency = 64): Promise<BenchSocket[]> {
	return pool(urls, concurrency, (u) => BenchSocket.open(u));
}

/** Closes sockets and waits (bounded) until they are closed; stragglers are terminated. */
export async function closeAll(sockets: BenchSocket[], timeoutMs = 5000): Promise<void> {
	const closed = sockets.map(
		(s) =>
			new Promise<void>((r) => {
				if (s.ws.readyState === WebSocket.CLOSED) return r();
				s.ws.once("close", () => r());
				try {
					s.ws.close(1000, "bench done");
				} catch {
					r();
				}
			}),
	);
	await Promise.race([Promise.all(closed), sleep(timeoutMs)]);
	for (const s of sockets) if (s.ws.readyState !== WebSocket.CLOSED) s.ws.terminate();
}
