import { z } from "zod";
import { UnixSeconds } from "./common";
import { MessageNew } from "./messages";

/**
 * Every notification type the server sends, with its `data` schema. `notify()` only accepts
 * types listed here, so this map is the complete catalogue of the realtime contract.
 */
export const Notifications = {
	"user.profile_updated": z.object({
		userId: z.string(),
		nickname: z.string(),
		avatar: z.string(),
		signature: z.string(),
		gender: z.number().int(),
		region: z.string(),
	}),
	"auth.password_changed": z.object({ userId: z.string(), deviceId: z.string(), changedAt: UnixSeconds }),
	"auth.force_logout": z.object({
		userId: z.string(),
		deviceId: z.string(),
		reason: z.enum(["logout", "password_changed", "token_reuse", "banned", "disabled"]),
	}),
	// Messaging (issue 4)
	"message.new": MessageNew,
	"message.mentioned": z.object({
		messageId: z.string(),
		conversationId: z.string(),
		conversationType: z.enum(["private", "group"]),
		fromUserId: z.string(),
		content: z.string().describe("preview"),
		sequence: z.number().int(),
		sentAt: UnixSeconds,
	}),
	"message.recalled": z.object({
		messageId: z.string(),
		conversationId: z.string(),
		conversationType: z.enum(["private", "group"]),
		sequence: z.number().int(),
		operatorId: z.string(),
		recalledAt: UnixSeconds,
	}),
	"message.read_receipt": z.object({
		conversationId: z.string(),
		conversationType: z.enum(["private", "group"]),
		userId: z.string(),
		lastReadSeq: z.number().int(),
		readAt: UnixSeconds,
	}),
	"message.typing": z.object({
		conversationId: z.string(),
		conversationType: z.enum(["private", "group"]),
		userId: z.string(),
		typing: z.boolean(),
	}),
	"session.unread_updated": z.object({
		sessionId: z.string(),
		unreadCount: z.number().int(),
		totalUnread: z.number().int(),
	}),
	"session.pin_updated": z.object({ sessionId: z.string(), isPinned: z.boolean(), pinTime: UnixSeconds }),
	"session.mute_updated": z.object({ sessionId: z.string(), isMuted: z.boolean() }),
	"session.deleted": z.object({ sessionId: z.string() }),
	"sync.completed": z.object({ syncTime: UnixSeconds }),
	"push.token_invalid": z.object({ userId: z.string(), deviceId: z.string(), platform: z.string() }),
} satisfies Record<string, z.ZodType>;

export type NotificationType = keyof typeof Notifications;
export type NotificationData<T extends NotificationType> = z.input<(typeof Notifications)[T]>;

export const NotificationPayload = z.object({
	notificationType: z.string(),
	timestamp: UnixSeconds,
	data: z.unknown(),
});
