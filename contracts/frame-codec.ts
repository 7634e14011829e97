/**
 * The two encodings of the live channel. `anychat` (the default) sends JSON text frames;
 * `anychat.pb` sends the same frames as protobuf binary messages (contracts/proto/anychat/v1/frame.proto).
 * Both directions of both protocols live here, so the hub, the tests and clients share one codec.
 *
 * The mapping is lossless by construction: a payload is carried by its typed protobuf message
 * only when its keys are exactly that message's fields; anything else (an unknown notification
 * type, an extra field) travels as its JSON in the `json` bytes field. Decoding gives back the
 * JSON-shaped frame, so protobuf client frames are validated by the same zod schemas.
 */
import { create, type DescField, type DescMessage, fromBinary, ScalarType, toBinary } from "@bufbuild/protobuf";
import { ClientFrameSchema, NotificationSchema, ServerFrameSchema } from "./proto/gen/anychat/v1/frame_pb";

export const SUBPROTOCOL_JSON = "anychat";
export const SUBPROTOCOL_PROTOBUF = "anychat.pb";

/** How a socket's frames are encoded; absent in an attachment means JSON. */
export type Wire = "json" | "pb";

export interface WireFrame {
	type: string;
	payload?: unknown;
}

/**
 * The subprotocol to echo for a `Sec-WebSocket-Protocol` offer: the first offer we speak, in
 * the client's order of preference; null when none (the socket then speaks JSON, unechoed).
 */
export function chooseSubprotocol(offer: string | null): string | null {
	for (const p of (offer ?? "").split(",").map((s) => s.trim())) {
		if (p === SUBPROTOCOL_JSON || p === SUBPROTOCOL_PROTOBUF) return p;
	}
	return null;
}

export const wireOf = (subprotocol: string | null): Wire => (subprotocol === SUBPROTOCOL_PROTOBUF ? "pb" : "json");

/** Client frame type → case of ClientFrame.payload carrying it typed. */
export const CLIENT_FRAME_CASES: Record<string, string> = { "message.send": "send", "message.typing": "typing" };
/** Server frame type → case of ServerFrame.payload carrying it typed. */
export const SERVER_FRAME_CASES: Record<string, string> = {
	"message.sent": "sent",
	"message.error": "refused",
	error: "error",
	notification: "notification",
};

/** Case of Notification.data for a notification type: its name with dots as underscores, when defined. */
export function notificationCase(type: string): DescField | undefined {
	const name = type.replace(/\./g, "_");
	return NotificationSchema.fields.find((f) => f.oneof && f.name === name && f.fieldKind === "message");
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

const isRecord = (v: unknown): v is Record<string, unknown> =>
	typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

/**
 * The init object that carries `value` as `desc`, or null when decoding it would not give back
 * exactly `value` (an unknown key, a missing field, a value of another shape). int64 fields are bigints in protobuf-es and safe integers in our JSON.
 */
export function shape(desc: DescMessage, value: unknown): Record<string, unknown> | null {
	if (!isRecord(value)) return null;
	const init: Record<string, unknown> = {};
	for (const [key, v] of Object.entries(value)) {
		if (v === undefined) continue;
		const f = desc.fields.find((x) => x.localName === key);
		if (!f || f.oneof) return null;
		let out: unknown = null;
		if (f.fieldKind === "message") out = shape(f.message, v);
		else if (f.fieldKind === "scalar") out = scalar(f.scalar, v);
		else if (f.fieldKind === "list" && Array.isArray(v)) {
			const items = v.map((x) =>
				f.listKind === "message" ? shape(f.message, x) : f.listKind === "scalar" ? scalar(f.scalar, x) : null,
			);
			out = items.includes(null) ? null : items;
		}
		if (out === null) return null;
		init[key] = out;
	}
	// A missing scalar or list would come back as its zero value: keep such payloads as JSON too.
	for (const f of desc.fields) {
		if (f.oneof || f.localName in init) continue;
		if (f.fieldKind === "list" || (f.fieldKind === "scalar" && !f.proto.proto3Optional)) return null;
	}
	return init;
}

function scalar(type: ScalarType, v: unknown): unknown {
	switch (type) {
		case ScalarType.STRING:
			return typeof v === "string" ? v : null;
		case ScalarType.BOOL:
			return typeof v === "boolean" ? v : null;
		case ScalarType.INT32:
			return Number.isInteger(v) && (v as number) >= -(2 ** 31) && (v as number) < 2 ** 31 ? v : null;
		case ScalarType.INT64:
			return Number.isSafeInteger(v) ? BigInt(v as number) : null;
		default:
			// The .proto files use only the types above for frame data.
			return null;
	}
}

/** A decoded protobuf message as the plain JSON object it stands for. */
function plain(v: unknown): unknown {
	if (typeof v === "bigint") return Number(v);
	if (Array.isArray(v)) return v.map(plain);
	if (!isRecord(v)) return v;
	const out: Record<string, unknown> = {};
	for (const [k, x] of Object.entries(v)) if (k !== "$typeName" && x !== undefined) out[k] = plain(x);
	return out;
}

const jsonBytes = (payload: unknown) => utf8.encode(JSON.stringify(payload));
const fromJsonBytes = (bytes: Uint8Array) => JSON.parse(fromUtf8.decode(bytes));

function typedOrJson(desc: DescMessage, cases: Record<string, string>, frame: WireFrame) {
	if (frame.payload === undefined || frame.payload === null) return { case: undefined };
	const name = cases[frame.type];
	const field = name ? desc.fields.find((f) => f.localName === name && f.fieldKind === "message") : undefined;
	if (field?.fieldKind === "message") {
		if (field.message.typeName === NotificationSchema.typeName) {
			const n = notificationInit(frame.payload);
			if (n) return { case: name, value: n };
		} else {
			const init = shape(field.message, frame.payload);
			if (init) return { case: name, value: create(field.message, init) };
		}
	}
	return { case: "json", value: jsonBytes(frame.payload) };
}

function notificationInit(payload: unknown) {
	if (!isRecord(payload) || typeof payload.notificationType !== "string") return null;
	const { notificationType, timestamp, data, ...rest } = payload;
	if (Object.keys(rest).length || typeof timestamp !== "number" || !Number.isSafeInteger(timestamp)) return null;
	const field = notificationCase(notificationType);
	const init = field?.fieldKind === "message" ? shape(field.message, data) : null;
	return create(NotificationSchema, {
		notificationType,
		timestamp: BigInt(timestamp),
		data:
			field?.fieldKind === "message" && init
				? { case: field.localName as never, value: create(field.message, init) as never }
				: { case: "json", value: jsonBytes(data ?? null) },
	});
}

function toFrame(type: string, payload: { case: string | undefined; value?: unknown }): WireFrame {
	if (payload.case === undefined) return { type, payload: null };
	if (payload.case === "json") return { type, payload: fromJsonBytes(payload.value as Uint8Array) };
	if (payload.case === "notification") {
		const n = payload.value as {
			notificationType: string;
			timestamp: bigint;
			data: { case?: string; value?: unknown };
		};
		const data =
			n.data.case === undefined
				? null
				: n.data.case === "json"
					? fromJsonBytes(n.data.value as Uint8Array)
					: plain(n.data.value);
		return { type, payload: { notificationType: n.notificationType, timestamp: Number(n.timestamp), data } };
	}
	return { type, payload: plain(payload.value) };
}

export function encodeServerFrame(frame: WireFrame): Uint8Array {
	const payload = typedOrJson(ServerFrameSchema, SERVER_FRAME_CASES, frame);
	return toBinary(ServerFrameSchema, create(ServerFrameSchema, { type: frame.type, payload: payload as never }));
}

export function decodeServerFrame(bytes: Uint8Array): WireFrame {
	const f = fromBinary(ServerFrameSchema, bytes);
	return toFrame(f.type, f.payload);
}

export function encodeClientFrame(frame: WireFrame): Uint8Array {
	const payload = typedOrJson(ClientFrameSchema, CLIENT_FRAME_CASES, frame);
	return toBinary(ClientFrameSchema, create(ClientFrameSchema, { type: frame.type, payload: payload as never }));
}

/** Throws on bytes that are not a ClientFrame (or whose `json` is not JSON). */
export function decodeClientFrame(bytes: Uint8Array): WireFrame {
	const f = fromBinary(ClientFrameSchema, bytes);
	return toFrame(f.type, f.payload);
}

/**
 * One outgoing frame for many sockets: JSON text as given, the protobuf form encoded at most
 * once and only if a protobuf socket asks for it.
 */
export class OutgoingFrame {
	private text: string | undefined;
	private binary: Uint8Array | undefined;

	constructor(private readonly frame: string | object) {
		if (typeof frame === "string") this.text = frame;
	}

	for(wire: Wire | undefined): string | Uint8Array {
		if (wire === "pb") {
			this.binary ??= encodeServerFrame(
				(typeof this.frame === "string" ? JSON.parse(this.frame) : this.frame) as WireFrame,
			);
			return this.binary;
		}
		this.text ??= JSON.stringify(this.frame);
		return this.text;
	}
}
