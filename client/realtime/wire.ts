/** Frame encoding of the live channel: JSON text, or protobuf binary through the server's own codec. */

export type Codec = typeof import("../../contracts/frame-codec");

/** A decoded frame, as the server sends it. */
export interface Frame {
	type?: string;
	payload?: any;
}

let codec: Promise<Codec> | null = null;
/** The server's own codec, loaded only by a client that asks for protobuf (bundlers split it off). */
export const loadCodec = () => {
	codec ??= import("../../contracts/frame-codec");
	return codec;
};

export const encodeFrame = (pb: Codec | null, type: string, payload: unknown): string | Uint8Array =>
	pb ? pb.encodeClientFrame({ type, payload }) : JSON.stringify({ type, payload });

/** The frame, or undefined for one to ignore (undecodable, or binary without the codec). */
export function decodeFrame(raw: unknown, pb: Codec | null): Frame | undefined {
	try {
		// The server answers in the encoding we asked for; text is JSON either way.
		if (typeof raw === "string") return JSON.parse(raw);
		if (pb && (raw instanceof ArrayBuffer || ArrayBuffer.isView(raw)))
			return pb.decodeServerFrame(
				raw instanceof ArrayBuffer ? new Uint8Array(raw) : new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength),
			);
		return undefined;
	} catch {
		return undefined;
	}
}
