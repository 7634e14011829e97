/**
 * Which sends are retries. A send is a retry only when it is the same message: the same sender,
 * the same device, the same `localId` and the same payload (the fingerprint below). Real clients
 * reuse localIds — the AnyChat SDK numbers them `local_1`, `local_2`, … from a per-process counter
 * that starts again at every launch — so a reused localId with another payload is a new message.
 * The window holds the keys of the conversation's last IDEMPOTENCY_WINDOW messages in memory,
 * rebuilt from the `messages` rows (local_id, device_id, fingerprint) by one rowid range scan.
 */

import { IDEMPOTENCY_WINDOW } from "../../contracts/messages";

export { IDEMPOTENCY_WINDOW };

/** The fields of a send that make it the same message (conversation and sender are the key's). */
export interface SendPayload {
	conversationType: string;
	contentType: string;
	content: string;
	replyTo: string;
	atUsers: readonly string[];
}

/**
 * 53 bits of a fast non-cryptographic hash (cyrb53) of the payload: synchronous, so the
 * check-and-store step stays free of awaits. Only the sender's own sends with the same device and
 * localId are compared, so a collision could only make one of the sender's own retries look new
 * or the reverse, at odds of about 2^-53.
 */
export function payloadFingerprint(p: SendPayload): string {
	const text = JSON.stringify([p.conversationType, p.contentType, p.content, p.replyTo, p.atUsers]);
	let h1 = 0xdeadbeef;
	let h2 = 0x41c6ce57;
	for (let i = 0; i < text.length; i++) {
		const ch = text.charCodeAt(i);
		h1 = Math.imul(h1 ^ ch, 2654435761);
		h2 = Math.imul(h2 ^ ch, 1597334677);
	}
	h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
	h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
	return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/** A stored message's key fields, as the window reads them from storage. */
export type KeyedRow = {
	seq: number;
	senderId: string;
	deviceId: string;
	localId: string;
	fingerprint: string;
};

const keyOf = (senderId: string, deviceId: string, localId: string, fingerprint: string) =>
	`${senderId}\u0000${deviceId}\u0000${localId}\u0000${fingerprint}`;

/**
 * The keys of the last IDEMPOTENCY_WINDOW messages, in seq order (a Map keeps insertion order:
 * delete before set), so what falls out of the window is dropped from the front.
 */
export class IdempotencyWindow {
	private keys = new Map<string, number>();

	/**
	 * Rows stored before devices and fingerprints were recorded (schema < 3) carry neither: their
	 * fingerprint is computed from the stored fields by `legacyFingerprint`, and they match a
	 * retry from any of the sender's devices.
	 */
	static load(rows: Iterable<KeyedRow>, legacyFingerprint: (seq: number) => string): IdempotencyWindow {
		const w = new IdempotencyWindow();
		for (const r of rows) {
			const fingerprint = r.fingerprint || legacyFingerprint(r.seq);
			const key = keyOf(r.senderId, r.deviceId, r.localId, fingerprint);
			w.keys.delete(key);
			w.keys.set(key, r.seq);
		}
		return w;
	}

	/** The seq of the same message sent before, if it is within the window ending at `lastSeq`. */
	find(senderId: string, deviceId: string, localId: string, fingerprint: string, lastSeq: number): number | undefined {
		const seq =
			this.keys.get(keyOf(senderId, deviceId, localId, fingerprint)) ??
			this.keys.get(keyOf(senderId, "", localId, fingerprint));
		return seq !== undefined && seq > lastSeq - IDEMPOTENCY_WINDOW ? seq : undefined;
	}

	/** Records a stored message and drops the keys that fell out of the window. */
	remember(senderId: string, deviceId: string, localId: string, fingerprint: string, seq: number): void {
		const key = keyOf(senderId, deviceId, localId, fingerprint);
		this.keys.delete(key);
		this.keys.set(key, seq);
		for (const [oldest, s] of this.keys) {
			if (s > seq - IDEMPOTENCY_WINDOW) break;
			this.keys.delete(oldest);
		}
	}
}
