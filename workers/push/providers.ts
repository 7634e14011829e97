import type { Bindings } from "../../domain/env";
import { apnsKeyBearer } from "./apns-token";
import { type BearerSource, CredentialError, fixedBearer, type Refusal, sendWithBearer } from "./credentials";
import { parseServiceAccount, serviceAccountBearer } from "./fcm-token";

export interface PushMessage {
	title: string;
	body: string;
	data: Record<string, string>;
	badge: number;
}

/** `invalid`: the token is dead (uninstalled app, expired registration) and must be deleted. */
export type PushOutcome = "sent" | "invalid" | "failed";

export interface PushProvider {
	readonly name: string;
	send(token: string, message: PushMessage): Promise<PushOutcome>;
}

/** Local default: records the push in D1 `push_logs` (the only record of what would have been sent). */
export const logProvider: PushProvider = {
	name: "log",
	async send() {
		return "sent";
	},
};

/** FCM HTTP v1: an OAuth access token from the service account, or one minted by the operator. */
export function fcmProvider(projectId: string, bearer: BearerSource): PushProvider {
	return {
		name: "fcm",
		send: (token, m) =>
			sendWithBearer("FCM", bearer, async (accessToken): Promise<PushOutcome | Refusal> => {
				const res = await fetch(`https://fcm.googleapis.com/v1/projects/${projectId}/messages:send`, {
					method: "POST",
					headers: { Authorization: `Bearer ${accessToken}`, "Content-Type": "application/json" },
					body: JSON.stringify({ message: { token, notification: { title: m.title, body: m.body }, data: m.data } }),
				});
				if (res.ok) return "sent";
				const text = await res.text();
				if (res.status === 401) return { refused: "401 UNAUTHENTICATED" };
				if (res.status === 404 || (res.status === 400 && text.includes("UNREGISTERED"))) return "invalid";
				return "failed";
			}),
	};
}

/** APNs' reasons for refusing the provider token itself (403). */
const REFUSED_PROVIDER_TOKEN = new Set(["ExpiredProviderToken", "InvalidProviderToken", "MissingProviderToken"]);

/** APNs over HTTP/2 with a provider token: signed from the key here, or minted by the operator. */
export function apnsProvider(host: string, topic: string, bearer: BearerSource): PushProvider {
	return {
		name: "apns",
		send: (token, m) =>
			sendWithBearer("APNs", bearer, async (providerToken): Promise<PushOutcome | Refusal> => {
				const res = await fetch(`https://${host}/3/device/${token}`, {
					method: "POST",
					headers: {
						authorization: `bearer ${providerToken}`,
						"apns-topic": topic,
						"apns-push-type": "alert",
						"content-type": "application/json",
					},
					body: JSON.stringify({
						aps: { alert: { title: m.title, body: m.body }, sound: "default", badge: m.badge },
						...m.data,
					}),
				});
				if (res.ok) return "sent";
				if (res.status === 410 || res.status === 400 || res.status === 403) {
					const reason = ((await res.json().catch(() => ({}))) as { reason?: string }).reason ?? "";
					if (res.status === 403 && REFUSED_PROVIDER_TOKEN.has(reason)) return { refused: `403 ${reason}` };
					if (res.status === 410 || reason === "BadDeviceToken" || reason === "Unregistered") return "invalid";
				}
				return "failed";
			}),
	};
}

/** A provider whose credential is unusable: every push through it fails with that reason. */
const unusable = (name: string, error: CredentialError): PushProvider => ({
	name,
	send: () => Promise.reject(error),
});

/** APNs from the key (`APNS_KEY`, `APNS_KEY_ID`, `APNS_TEAM_ID`), else the hand-minted `APNS_BEARER_TOKEN`. */
function apnsFor(env: Bindings): PushProvider | undefined {
	const host = env.APNS_HOST ?? "api.push.apple.com";
	if (env.APNS_KEY) {
		if (!env.APNS_KEY_ID || !env.APNS_TEAM_ID || !env.APNS_TOPIC)
			return unusable("apns", new CredentialError("APNS_KEY needs APNS_KEY_ID, APNS_TEAM_ID and APNS_TOPIC"));
		const key = { key: env.APNS_KEY, keyId: env.APNS_KEY_ID, teamId: env.APNS_TEAM_ID };
		return apnsProvider(host, env.APNS_TOPIC, apnsKeyBearer(key));
	}
	if (env.APNS_BEARER_TOKEN && env.APNS_TOPIC)
		return apnsProvider(host, env.APNS_TOPIC, fixedBearer(env.APNS_BEARER_TOKEN));
	return undefined;
}

/** FCM from the service account (`FCM_SERVICE_ACCOUNT`), else the hand-minted `FCM_ACCESS_TOKEN`. */
function fcmFor(env: Bindings): PushProvider | undefined {
	if (env.FCM_SERVICE_ACCOUNT) {
		try {
			const sa = parseServiceAccount(env.FCM_SERVICE_ACCOUNT);
			const projectId = env.FCM_PROJECT_ID || sa.projectId;
			if (!projectId) throw new CredentialError("FCM_SERVICE_ACCOUNT has no project_id and FCM_PROJECT_ID is unset");
			return fcmProvider(projectId, serviceAccountBearer(sa));
		} catch (e) {
			if (e instanceof CredentialError) return unusable("fcm", e);
			throw e;
		}
	}
	if (env.FCM_PROJECT_ID && env.FCM_ACCESS_TOKEN)
		return fcmProvider(env.FCM_PROJECT_ID, fixedBearer(env.FCM_ACCESS_TOKEN));
	return undefined;
}

/**
 * The provider for a token's platform: APNs for iOS, FCM for the others, when configured (the
 * key-based credential before the hand-minted token); else the log provider.
 */
export function providerFor(env: Bindings, platform: string): PushProvider {
	return (platform.toLowerCase() === "ios" ? apnsFor(env) : fcmFor(env)) ?? logProvider;
}
