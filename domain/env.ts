/** Secrets and optional settings that `wrangler types` cannot see (they live in .dev.vars / wrangler secret). */
export interface Secrets {
	JWT_SECRET?: string;
	CORS_ORIGINS?: string;
	LOGIN_MAX_FAILURES?: string;
	LOGIN_WINDOW_SECONDS?: string;
	GROUP_MAX_MEMBERS?: string;
	/** A UserHub with at least this many conversations keeps a checkpoint of its list (durable-objects/user-hub/checkpoint.ts). */
	HUB_CHECKPOINT_SESSIONS?: string;
	/** Groups above this many members fan out to online members' hubs only (durable-objects/conversation/presence.ts). */
	LARGE_GROUP_MEMBERS?: string;
	/** HMAC key of the Worker's signed file URLs. */
	FILES_URL_SECRET?: string;
	/** When all three R2 S3 settings are set, upload/download URLs are real R2 presigned URLs. */
	R2_ACCOUNT_ID?: string;
	R2_ACCESS_KEY_ID?: string;
	R2_SECRET_ACCESS_KEY?: string;
	/** Bucket name for presigned URLs (default anychat-files, as in wrangler.toml). */
	R2_BUCKET_NAME?: string;
	LIVEKIT_API_KEY?: string;
	LIVEKIT_API_SECRET?: string;
	LIVEKIT_URL?: string;
	ADMIN_JWT_SECRET?: string;
	ADMIN_BOOTSTRAP_PASSWORD?: string;
	/** Offline push providers (optional; without them pushes go to the log provider). */
	FCM_PROJECT_ID?: string;
	FCM_ACCESS_TOKEN?: string;
	/** A Google service account key (its JSON): access tokens are exchanged and renewed here (workers/push/fcm-token.ts). */
	FCM_SERVICE_ACCOUNT?: string;
	APNS_BEARER_TOKEN?: string;
	APNS_TOPIC?: string;
	APNS_HOST?: string;
	/** An APNs signing key (the .p8 text) with its key and team ids: provider tokens are signed here (workers/push/apns-token.ts). */
	APNS_KEY?: string;
	APNS_KEY_ID?: string;
	APNS_TEAM_ID?: string;
	/** How long an isolate trusts its copy of the server hooks (platform/webhook-registry.ts); 0 = read every time. */
	WEBHOOK_CACHE_SECONDS?: string;
	/** First retry delay of a failed hook delivery, doubled per attempt (workers/services/webhooks-delivery.ts). */
	WEBHOOK_RETRY_BASE_SECONDS?: string;
}

export type Bindings = Env & Secrets;
