import { z } from "zod";
import { PageQuery, pageOf, UnixSeconds } from "./common";
import { WEBHOOK_EVENTS } from "./webhooks";

/** Base path of the admin API in the gateway contract (C-HTTP: `/admin/...` under `/api/v1`). */
export const ADMIN_BASE_PATH = "/api/v1/admin";
/**
 * The admin service's own base path (spec admin.md), which its tools call: an alias of
 * ADMIN_BASE_PATH with the same routes, authentication, envelope, throttles and audit log.
 */
export const ADMIN_ALIAS_PATH = "/api/admin";

export const ADMIN_ROLES = ["superadmin", "admin", "operator"] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

/** The reference's `readonly` role is our `operator`. */
export const AdminRoleInput = z
	.string()
	.transform((v, ctx) => {
		const role = v === "readonly" ? "operator" : v;
		if (!(ADMIN_ROLES as readonly string[]).includes(role)) {
			ctx.addIssue({ code: "custom", message: "role must be superadmin, admin or operator" });
			return z.NEVER;
		}
		return role as AdminRole;
	})
	.describe("superadmin, admin or operator (readonly is accepted as operator)");

export const AdminLoginRequest = z.object({
	username: z
		.string({ error: "username is required" })
		.min(1, "username must not be empty")
		.max(64, "username is too long"),
	password: z
		.string({ error: "password is required" })
		.min(1, "password must not be empty")
		.max(128, "password is too long"),
});

export const AdminLoginResponse = z.object({
	token: z.string(),
	expiresIn: z.number().int(),
	adminId: z.string(),
	username: z.string(),
	role: z.enum(ADMIN_ROLES),
});

export const AdminUserQuery = PageQuery.extend({
	keyword: z
		.string()
		.max(64, "keyword is too long")
		.optional()
		.describe("matches nickname, email, phone or user ID; empty lists all"),
	status: z.enum(["1", "2"], { error: "status must be 1 (normal) or 2 (banned)" }).optional(),
});

export const AdminUserItem = z.object({
	userId: z.string(),
	nickname: z.string(),
	avatar: z.string(),
	signature: z.string(),
	phone: z.string(),
	email: z.string(),
	gender: z.number().int(),
	region: z.string(),
	status: z.number().int().describe("1 normal, 2 banned"),
	createdAt: UnixSeconds,
});
export const AdminUserList = pageOf(AdminUserItem);

export const BanRequest = z.object({ reason: z.string().max(256, "reason is too long").optional() });

export const AdminGroup = z.object({
	groupId: z.string(),
	name: z.string(),
	avatar: z.string(),
	announcement: z.string(),
	ownerId: z.string(),
	memberCount: z.number().int(),
	maxMembers: z.number().int(),
	joinVerify: z.boolean(),
	isMuted: z.boolean(),
	status: z.number().int(),
	createdAt: UnixSeconds,
	updatedAt: UnixSeconds,
});

export const StatsOverview = z.object({
	totalUsers: z.number().int(),
	bannedUsers: z.number().int(),
	activeUsers: z.number().int().describe("users with a device session used in the last 7 days"),
	totalGroups: z.number().int().describe("active (not dissolved) groups"),
	messagesToday: z.number().int().describe("messages sent since 00:00 UTC (daily counter)"),
	totalMessages: z.number().int(),
	onlineUsers: z.number().int().describe("users with at least one open socket, asked of their UserHub objects"),
	onlineUsersExact: z.boolean().describe("false when more candidates existed than were asked (a lower bound)"),
	generatedAt: UnixSeconds,
});

export const AuditLogQuery = PageQuery.extend({
	adminId: z.string().max(64).optional(),
	action: z.string().max(64).optional(),
	resourceType: z.string().max(64).optional(),
	resourceId: z.string().max(128).optional(),
	startTime: z.coerce
		.number({ error: "startTime must be Unix seconds" })
		.int("startTime must be an integer")
		.min(0)
		.optional(),
	endTime: z.coerce
		.number({ error: "endTime must be Unix seconds" })
		.int("endTime must be an integer")
		.min(0)
		.optional(),
});

export const AuditLogItem = z.object({
	id: z.number().int(),
	adminId: z.string(),
	adminUsername: z.string(),
	action: z.string(),
	resourceType: z.string(),
	resourceId: z.string(),
	details: z.record(z.string(), z.unknown()),
	ipAddress: z.string(),
	createdAt: UnixSeconds,
});
export const AuditLogList = pageOf(AuditLogItem);

export const ConfigItem = z.object({
	key: z.string(),
	value: z.string(),
	description: z.string(),
	updatedBy: z.string(),
	updatedAt: UnixSeconds.describe("0 while the default applies"),
});
export const ConfigList = pageOf(ConfigItem);
export const UpdateConfigRequest = z.object({
	value: z.string({ error: "value is required" }).max(1024, "value is too long"),
});

export const AdminAccount = z.object({
	adminId: z.string(),
	username: z.string(),
	email: z.string(),
	role: z.enum(ADMIN_ROLES),
	status: z.number().int().describe("1 active, 0 disabled"),
	lastLoginAt: UnixSeconds.describe("0 when never"),
	createdAt: UnixSeconds,
});
export const AdminAccountList = pageOf(AdminAccount);

export const CreateAdminRequest = z.object({
	username: z
		.string({ error: "username is required" })
		.regex(/^[A-Za-z0-9_.-]{3,32}$/, "username must be 3-32 letters, digits, _ . or -")
		.meta({ examples: ["operator1"] }),
	password: z
		.string({ error: "password is required" })
		.max(128, "password is too long")
		.meta({ examples: ["Str0ngPass"] }),
	email: z.string().max(254, "email is too long").optional(),
	role: AdminRoleInput.optional(),
});

export const UpdateAdminStatusRequest = z.object({
	status: z.union([z.literal(0), z.literal(1)], { error: "status must be 0 (disabled) or 1 (active)" }),
});

/** Server hooks (README "Webhooks"); event names and payloads in contracts/webhooks.ts. */
export const WEBHOOK_TIMEOUT_MS = { min: 100, max: 10_000, default: 2000 } as const;

export const CreateWebhookRequest = z.object({
	url: z
		.string({ error: "url is required" })
		.max(2048, "url is too long")
		.refine((v) => URL.canParse(v), "url must be an absolute URL")
		.describe("https only in production, to a public host; http and private addresses are accepted in development only")
		.meta({ examples: ["https://bot.example.com/anychat"] }),
	events: z
		.array(z.enum(WEBHOOK_EVENTS, { error: `events must be among ${WEBHOOK_EVENTS.join(", ")}` }), {
			error: "events must be a list of event names",
		})
		.min(1, "events must name at least one event")
		.max(WEBHOOK_EVENTS.length * 2, "events is too long")
		.meta({ examples: [["message.created", "user.registered"]] })
		.transform((v) => [...new Set(v)]),
	secret: z
		.string()
		.min(16, "secret must be at least 16 characters")
		.max(256, "secret is too long")
		.optional()
		.describe("HMAC key of X-AnyChat-Signature; generated (32 random bytes, hex) when absent"),
	timeoutMs: z
		.number({ error: "timeoutMs must be a number" })
		.int("timeoutMs must be an integer")
		.min(WEBHOOK_TIMEOUT_MS.min, `timeoutMs must be at least ${WEBHOOK_TIMEOUT_MS.min}`)
		.max(WEBHOOK_TIMEOUT_MS.max, `timeoutMs must be at most ${WEBHOOK_TIMEOUT_MS.max}`)
		.default(WEBHOOK_TIMEOUT_MS.default),
	failOpen: z
		.boolean({ error: "failOpen must be a boolean" })
		.default(false)
		.describe("message.before_send: allow the message when the hook times out or answers badly (default: reject)"),
});

export const Webhook = z.object({
	webhookId: z.string(),
	url: z.string(),
	events: z.array(z.enum(WEBHOOK_EVENTS)),
	timeoutMs: z.number().int(),
	failOpen: z.boolean(),
	createdBy: z.string().describe("admin ID"),
	createdAt: UnixSeconds,
});
export const WebhookList = pageOf(Webhook).describe("secrets are never listed");
export const CreatedWebhook = Webhook.extend({ secret: z.string().describe("shown once, here") });
