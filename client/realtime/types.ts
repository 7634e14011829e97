/** The types the parts of the live channel share (the public ones are re-exported by ./client). */
import type { Message, SendAck, SendPayload, SessionsApi, SyncApi, SyncResult } from "../api";
import type { NotificationEnvelope, NotificationMap } from "../events";
import type { Http } from "../http";
import type { SocketConstructor } from "../runtime";
import type { BackoffOptions } from "./backoff";

export type RealtimeStatus = "idle" | "connecting" | "syncing" | "live" | "waiting" | "closed";

/** The encoding of the live channel: JSON text frames (`anychat`) or protobuf binary frames (`anychat.pb`). */
export type WireFormat = "json" | "pb";

export type RealtimeEvents = {
	status: RealtimeStatus;
	/** Every new message exactly once, in sequence order per conversation (own sends included, on ack). */
	message: Message;
	/** A message already delivered whose status changed (recalled). */
	"message.updated": Message;
	ack: { ack: SendAck; payload: SendPayload };
	"send.failed": { localId: string; code: number; message: string; payload: SendPayload };
	/** Every notification, known or not. */
	notification: NotificationEnvelope;
	/** The caller's catch-up result after each (re)connect. */
	synced: SyncResult;
	/** A frame-level `error` from the server (bad frame; the socket stays open). */
	"server.error": { code: number; message: string };
	/** The device's session is over (replaced, logged out, banned): no more reconnects. */
	ended: { code: number; reason: string };
	/** A failed catch-up or back-fill (the client retries on its own). */
	problem: unknown;
} & { [K in keyof NotificationMap as `notify:${K & string}`]: NotificationMap[K] };

export interface RealtimeState {
	lastSyncTime: number;
	seqs: Record<string, number>;
}

export interface RealtimeOptions {
	http: Http;
	sync: SyncApi;
	sessions: SessionsApi;
	/** WebSocket constructor; the global one by default (browsers, Node 22, Workers). */
	WebSocket?: SocketConstructor;
	heartbeatMs?: number;
	pongTimeoutMs?: number;
	backoff?: BackoffOptions;
	random?: () => number;
	/** Restored cursor (lastSyncTime, per-conversation lastSeq) from a previous run. */
	initialState?: RealtimeState;
	/** Messages per conversation per back-fill request. */
	pageSize?: number;
	/** "json" (default) or "pb": protobuf frames, smaller on mobile networks. */
	wire?: WireFormat;
}

/** The options with their defaults filled in. */
export type ResolvedOptions = Required<Omit<RealtimeOptions, "initialState" | "WebSocket">> &
	Pick<RealtimeOptions, "WebSocket">;

/** The client's `emit`, handed to the parts that report events. */
export type Emit = <K extends keyof RealtimeEvents>(event: K, arg: RealtimeEvents[K]) => void;
