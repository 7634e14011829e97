/**
 * The generator's whole knowledge of the AnyChat wire format (WIRE-PROFILE §5): how a
 * `message.send` frame is written and how incoming frames are read. Kept in this one module
 * so it can be swapped for the TypeScript client library without touching the scenarios.
 */

export interface OutgoingMessage {
	conversationId: string;
	conversationType: "private" | "group";
	/** Carries the generator's message tag; every target echoes it back unchanged. */
	content: string;
	localId: string;
}

export function encodeSend(m: OutgoingMessage): string {
	return JSON.stringify({
		type: "message.send",
		payload: {
			conversationId: m.conversationId,
			conversationType: m.conversationType,
			contentType: "text",
			content: m.content,
			localId: m.localId,
		},
	});
}

export type Incoming =
	| { kind: "ack"; localId: string; sequence: number }
	| { kind: "message"; conversationId: string; senderId: string; content: string; sequence: number }
	| { kind: "error"; code: number; message: string; localId: string }
	| { kind: "other"; type: string };

export function decode(text: string): Incoming {
	const frame = JSON.parse(text) as { type: string; payload?: any };
	const p = frame.payload;
	if (frame.type === "message.sent") return { kind: "ack", localId: p.localId, sequence: p.sequence };
	if (frame.type === "notification" && p?.notificationType === "message.new") {
		const d = p.data;
		return {
			kind: "message",
			conversationId: d.conversationId,
			senderId: d.senderId,
			content: d.content,
			sequence: d.sequence,
		};
	}
	if (frame.type === "message.error" || frame.type === "error")
		return { kind: "error", code: p?.code ?? 0, message: p?.message ?? "", localId: p?.localId ?? "" };
	return { kind: "other", type: frame.type };
}
