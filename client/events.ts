/**
 * The typed catalogue of realtime events. Types that exist on this branch come from
 * contracts/notifications.ts (type-only import); the messaging, file, call and admin types
 * are written from the spec until their schemas are merged (then move them to z.infer).
 */
import type { z } from "zod";
import type { Notifications } from "../contracts/notifications";
import type { CallStatus, CallType, Message } from "./api-pending";

type Catalogue = { [K in keyof typeof Notifications]: z.output<(typeof Notifications)[K]> };

export interface PendingNotifications {
	"message.new": Message;
	"message.recalled": {
		messageId: string;
		conversationId: string;
		conversationType?: string;
		operatorUserId?: string;
		sequence?: number;
		recalledAt?: number;
	};
	"message.read_receipt": { conversationId: string; userId: string; lastReadSeq: number; readAt?: number };
	"message.typing": { conversationId: string; userId: string; typing: boolean };
	"message.mentioned": { messageId: string; conversationId: string; fromUserId?: string; content?: string };
	"session.unread_updated": { sessionId: string; unreadCount?: number; totalUnread?: number };
	"session.pin_updated": { sessionId: string; isPinned: boolean };
	"session.mute_updated": { sessionId: string; isMuted: boolean };
	"session.deleted": { sessionId: string };
	"sync.completed": { syncTime: number };
	"livekit.call_invite": { callId: string; callerId: string; callType: CallType };
	"livekit.call_status": { callId: string; status: CallStatus };
	"livekit.call_rejected": { callId: string; calleeId: string };
	"file.upload_completed": { fileId: string; [k: string]: unknown };
	"admin.user_banned": { userId: string; reason?: string; [k: string]: unknown };
}

/** The contracts' catalogue wins; the hand-written types only fill types it does not list yet. */
export type NotificationMap = Catalogue & Omit<PendingNotifications, keyof Catalogue>;
export type KnownNotificationType = keyof NotificationMap;

export interface NotificationEnvelope<T = unknown> {
	notificationType: string;
	timestamp: number;
	data: T;
}

/** Tiny typed emitter: no dependency, works in every runtime. */
export class Emitter<Events extends { [k: string]: unknown }> {
	private readonly handlers = new Map<keyof Events, Set<(arg: any) => void>>();

	on<K extends keyof Events>(event: K, handler: (arg: Events[K]) => void): () => void {
		const set = this.handlers.get(event) ?? new Set();
		this.handlers.set(event, set);
		set.add(handler);
		return () => set.delete(handler);
	}

	emit<K extends keyof Events>(event: K, arg: Events[K]) {
		for (const h of [...(this.handlers.get(event) ?? [])]) {
			try {
				h(arg);
			} catch (e) {
				// One broken listener must not stop delivery to the others.
				console.error("listener failed", String(event), e);
			}
		}
	}
}
