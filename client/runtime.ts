/**
 * The few globals the library touches, typed structurally so the same code compiles against
 * DOM, Node and Workers type definitions (which disagree on WebSocket and on `location`).
 */

/** What the realtime channel needs of a socket: the part browsers, Node 22 and Workers share. */
export interface SocketLike {
	readonly readyState: number;
	/** Set to "arraybuffer" for protobuf frames. */
	binaryType?: string;
	send(data: string | Uint8Array): void;
	close(code?: number, reason?: string): void;
	addEventListener(type: "open" | "message" | "close" | "error", listener: (ev: any) => void): void;
}

export type SocketConstructor = new (url: string, protocols?: string | string[]) => SocketLike;

interface Globals {
	location?: { origin: string };
	crypto?: { randomUUID?: () => string };
	WebSocket?: SocketConstructor;
	addEventListener?: (type: string, fn: () => void) => void;
	removeEventListener?: (type: string, fn: () => void) => void;
}

export const runtime = globalThis as unknown as Globals;

/** The page's origin in a browser, "" elsewhere (callers then need an absolute baseUrl). */
export const pageOrigin = () => runtime.location?.origin ?? "";
