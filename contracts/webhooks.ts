import { z } from "zod";
import { UnixSeconds } from "./common";
import { MessageNew } from "./messages";
import { Notifications } from "./notifications";

/** Events a server hook can subscribe to (README "Webhooks"). */
export const ASYNC_WEBHOOK_EVENTS = [
	"message.created",
	"message.recalled",
	"friend.added",
	"group.member_joined",
	"user.registered",
] as const;
/** The one synchronous hook: asked before a message is stored, its reply decides. */
export const BEFORE_SEND_EVENT = "message.before_send";
export const WEBHOOK_EVENTS = [...ASYNC_WEBHOOK_EVENTS, BEFORE_SEND_EVENT] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
export type AsyncWebhookEvent = (typeof ASYNC_WEBHOOK_EVENTS)[number];

/** Request headers of every hook POST. */
export const WEBHOOK_HEADERS = {
	event: "X-AnyChat-Event",
	delivery: "X-AnyChat-Delivery",
	timestamp: "X-AnyChat-Timestamp",
	signature: "X-AnyChat-Signature",
} as const;

/** `data` of each event: the camelCase shape of the matching WebSocket notification. */
export const WebhookEventData = {
	"message.created": MessageNew,
	"message.recalled": Notifications["message.recalled"],
	"friend.added": Notifications["friend.request_handled"].extend({ status: z.literal("accepted") }),
	"group.member_joined": Notifications["group.member_joined"],
	"user.registered": Notifications["user.profile_updated"].extend({ createdAt: UnixSeconds }),
	"message.before_send": z.object({
		senderId: z.string(),
		deviceId: z.string(),
		conversationId: z.string(),
		conversationType: z.enum(["private", "group"]),
		contentType: z.string(),
		content: z.string(),
		replyTo: z.string(),
		atUsers: z.array(z.string()),
		localId: z.string(),
	}),
} satisfies Record<WebhookEvent, z.ZodType>;
export type WebhookEventDataOf<E extends WebhookEvent> = z.input<(typeof WebhookEventData)[E]>;

/** The JSON body of every hook POST; `id` is also the X-AnyChat-Delivery header (the same on every retry). */
export interface WebhookDelivery<E extends WebhookEvent = WebhookEvent> {
	id: string;
	event: E;
	timestamp: number;
	data: WebhookEventDataOf<E>;
}

/** Longest `reason` of a reject that reaches the sender. */
export const MAX_REJECT_REASON = 200;

/** What a message.before_send hook answers (HTTP 2xx, JSON). Anything else is a bad reply. */
export const BeforeSendReply = z.discriminatedUnion("action", [
	z.object({ action: z.literal("allow") }),
	z.object({ action: z.literal("reject"), reason: z.string().optional() }),
	z.object({ action: z.literal("replace"), content: z.string() }),
]);
export type BeforeSendVerdict = z.output<typeof BeforeSendReply>;
