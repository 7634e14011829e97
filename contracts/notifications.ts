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
	"friend.request": z.object({
		requestId: z.number().int(),
		fromUserId: z.string(),
		toUserId: z.string(),
		message: z.string(),
		source: z.string(),
		status: z.enum(["pending", "accepted"]).describe("accepted when the target does not require verification"),
		autoAccepted: z.boolean(),
		createdAt: UnixSeconds,
		fromUserInfo: z.object({ userId: z.string(), nickname: z.string(), avatar: z.string() }),
	}),
	"friend.request_handled": z.object({
		requestId: z.number().int(),
		fromUserId: z.string(),
		toUserId: z.string(),
		status: z.enum(["accepted", "rejected"]),
		handledAt: UnixSeconds,
	}),
	"friend.deleted": z.object({
		friendUserId: z.string().describe("the user who ended the friendship"),
		deletedAt: UnixSeconds,
	}),
	"friend.remark_updated": z.object({ friendUserId: z.string(), remark: z.string(), updatedAt: UnixSeconds }),
	"friend.blacklist_changed": z.object({
		targetUserId: z.string(),
		action: z.enum(["add", "remove"]),
		changedAt: UnixSeconds,
	}),
	"user.friend_profile_changed": z.object({
		userId: z.string(),
		nickname: z.string(),
		avatar: z.string(),
		signature: z.string(),
		gender: z.number().int(),
		region: z.string(),
		updatedAt: UnixSeconds,
	}),
	"group.invited": z.object({
		groupId: z.string(),
		groupName: z.string(),
		groupAvatar: z.string(),
		inviterUserId: z.string(),
		requestId: z.number().int().describe("the pending join request the invitation became"),
		invitedAt: UnixSeconds,
	}),
	"group.member_joined": z.object({
		groupId: z.string(),
		userIds: z.array(z.string()).describe("the users who joined"),
		inviterUserId: z.string().describe('who added them; "" for a self-join'),
		memberCount: z.number().int(),
		joinedAt: UnixSeconds,
	}),
	"group.member_left": z.object({
		groupId: z.string(),
		userId: z.string(),
		operatorUserId: z.string(),
		reason: z.enum(["self_quit", "removed_by_admin"]),
		memberCount: z.number().int(),
		leftAt: UnixSeconds,
	}),
	"group.info_updated": z.object({
		groupId: z.string(),
		operatorUserId: z.string(),
		updatedFields: z.array(z.string()),
		name: z.string(),
		avatar: z.string(),
		announcement: z.string(),
		joinVerify: z.boolean(),
		allowMemberInvite: z.boolean(),
		updatedAt: UnixSeconds,
	}),
	"group.role_changed": z.object({
		groupId: z.string(),
		userId: z.string(),
		oldRole: z.string(),
		newRole: z.string(),
		operatorUserId: z.string(),
		changedAt: UnixSeconds,
	}),
	"group.muted": z.object({
		groupId: z.string(),
		userId: z.string().describe('the muted member; "" when the whole group is muted or unmuted'),
		isMuted: z.boolean(),
		operatorUserId: z.string(),
		mutedAt: UnixSeconds,
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
	"group.join_requested": z.object({
		requestId: z.number().int(),
		groupId: z.string(),
		userId: z.string(),
		inviterId: z.string(),
		message: z.string(),
		createdAt: UnixSeconds,
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
