import { z } from "zod";
import { UnixSeconds } from "./common";

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
	"file.upload_completed": z.object({
		fileId: z.string(),
		fileName: z.string(),
		fileType: z.string(),
		fileSize: z.number().int(),
		mimeType: z.string(),
	}),
	"livekit.call_invite": z.object({
		callId: z.string(),
		callerId: z.string(),
		callType: z.enum(["audio", "video"]),
		roomName: z.string(),
	}),
	"livekit.call_status": z.object({
		callId: z.string(),
		status: z.enum(["ringing", "connected", "ended", "rejected", "missed", "cancelled"]),
		callerId: z.string(),
		calleeId: z.string(),
	}),
	"livekit.call_rejected": z.object({ callId: z.string(), calleeId: z.string() }),
	"admin.user_banned": z.object({ userId: z.string(), reason: z.string(), bannedAt: UnixSeconds }),
	"group.disbanded": z.object({
		groupId: z.string(),
		groupName: z.string(),
		operatorUserId: z.string(),
		disbandedAt: UnixSeconds,
	}),
} satisfies Record<string, z.ZodType>;

export type NotificationType = keyof typeof Notifications;
export type NotificationData<T extends NotificationType> = z.input<(typeof Notifications)[T]>;

export const NotificationPayload = z.object({
	notificationType: z.string(),
	timestamp: UnixSeconds,
	data: z.unknown(),
});
