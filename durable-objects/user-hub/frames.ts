import { decodeClientFrame } from "../../contracts/frame-codec";
import { MAX_FRAME_BYTES } from "../../contracts/ws";
import type { Frame, SocketInfo } from "./types";

/** The limit is in bytes; a UTF-16 length undercounts multi-byte text by up to 3x. */
const frameBytes = (message: string | ArrayBuffer) => {
	if (typeof message !== "string") return message.byteLength;
	return message.length * 3 <= MAX_FRAME_BYTES ? message.length : new TextEncoder().encode(message).byteLength;
};

/**
 * Reads one socket message as a client frame, in the socket's encoding; or the error the
 * socket gets instead (too large, wrong encoding, undecodable, not a typed frame).
 */
export function readFrame(
	info: SocketInfo,
	message: string | ArrayBuffer,
): { ok: true; frame: Frame } | { ok: false; code: number; message: string } {
	if (frameBytes(message) > MAX_FRAME_BYTES)
		return { ok: false, code: 413, message: `frame larger than ${MAX_FRAME_BYTES} bytes` };
	if (typeof message !== "string" && info.wire !== "pb") {
		return { ok: false, code: 400, message: "binary frames need the anychat.pb subprotocol" };
	}
	let frame: Frame;
	try {
		frame = typeof message === "string" ? JSON.parse(message) : decodeClientFrame(new Uint8Array(message));
	} catch {
		return {
			ok: false,
			code: 400,
			message: typeof message === "string" ? "frame is not valid JSON" : "frame is not an anychat.pb ClientFrame",
		};
	}
	if (!frame || typeof frame !== "object" || typeof frame.type !== "string") {
		return { ok: false, code: 400, message: "frame must be an object with a string type" };
	}
	return { ok: true, frame };
}
