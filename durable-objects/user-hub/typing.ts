import { TypingFrame } from "../../contracts/messages";
import type { Bindings } from "../../domain/env";
import { resolveConversationId } from "../../domain/messaging";
import { conversationFor } from "../../platform/stubs";
import type { Sockets } from "./sockets";
import type { SocketInfo } from "./types";

/** A device may repeat the same typing state for a conversation at most this often. */
const TYPING_INTERVAL_MS = 3000;

/** `message.typing` frames: passed to the Conversation, which tells the other members. */
export class Typing {
	private readonly typingSeen = new Map<string, { typing: boolean; at: number }>();

	constructor(
		private readonly env: Bindings,
		private readonly sockets: Sockets,
	) {}

	async onTyping(ws: WebSocket, info: SocketInfo, payload: unknown): Promise<void> {
		const parsed = TypingFrame.safeParse(payload ?? {});
		if (!parsed.success) return this.sockets.sendError(ws, 400, `message.typing: ${parsed.error.issues[0]!.message}`);
		const resolved = resolveConversationId(info.userId, {
			conversationId: parsed.data.conversationId,
			conversationType: parsed.data.conversationType ?? "group",
		});
		if (!resolved.ok) return this.sockets.sendError(ws, resolved.code, resolved.message);
		// Repeats of the same state are dropped inside the interval; a change always goes through.
		const key = `${info.deviceId}|${resolved.conversationId}`;
		const seen = this.typingSeen.get(key);
		const t = Date.now();
		if (seen && seen.typing === parsed.data.typing && t - seen.at < TYPING_INTERVAL_MS) return;
		if (this.typingSeen.size > 1000) {
			for (const [k, v] of this.typingSeen) if (t - v.at >= TYPING_INTERVAL_MS) this.typingSeen.delete(k);
		}
		this.typingSeen.set(key, { typing: parsed.data.typing, at: t });
		const res = await conversationFor(this.env, resolved.conversationId).typing(
			resolved.conversationId,
			info.userId,
			parsed.data.typing,
		);
		if (!res.ok) this.sockets.sendError(ws, res.code, res.message);
	}
}
