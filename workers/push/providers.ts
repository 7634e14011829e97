import type { Bindings } from "../../domain/env";

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

/** FCM HTTP v1 (`FCM_PROJECT_ID` + `FCM_ACCESS_TOKEN`, an OAuth token minted by the operator). */
export function fcmProvider(projectId: string, accessToken: string): PushProvider {
	return {
		name: "fcm",
		async send(token, m) {
			const res = await fetch(`https://fcm.googleapis.com/v1/projects/${projectId}/messages:send`, {
				method: "POST",
				headers: { Authorization: `Bearer ${accessToken}`, "Content-Type": "application/json" },
				body: JSON.stringify({ message: { token, notification: { title: m.title, body: m.body }, data: m.data } }),
			});
			if (res.ok) return "sent";
			const text = await res.text();
			if (res.status === 404 || (res.status === 400 && text.includes("UNREGISTERED"))) return "invalid";
			return "failed";
		},
	};
}

/** APNs over HTTP/2 with a provider token (`APNS_BEARER_TOKEN`, `APNS_TOPIC`, optional `APNS_HOST`). */
export function apnsProvider(host: string, topic: string, bearer: string): PushProvider {
	return {
		name: "apns",
		async send(token, m) {
			const res = await fetch(`https://${host}/3/device/${token}`, {
				method: "POST",
				headers: {
					authorization: `bearer ${bearer}`,
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
			if (res.status === 410 || res.status === 400) {
				const reason = ((await res.json().catch(() => ({}))) as { reason?: string }).reason ?? "";
				if (res.status === 410 || reason === "BadDeviceToken" || reason === "Unregistered") return "invalid";
			}
			return "failed";
		},
	};
}

/** The provider for a token's platform: APNs for iOS, FCM for Android, when configured; else the log provider. */
export function providerFor(env: Bindings, platform: string): PushProvider {
	const p = platform.toLowerCase();
	if (p === "ios" && env.APNS_BEARER_TOKEN && env.APNS_TOPIC)
		return apnsProvider(env.APNS_HOST ?? "api.push.apple.com", env.APNS_TOPIC, env.APNS_BEARER_TOKEN);
	if (p !== "ios" && env.FCM_PROJECT_ID && env.FCM_ACCESS_TOKEN)
		return fcmProvider(env.FCM_PROJECT_ID, env.FCM_ACCESS_TOKEN);
	return logProvider;
}
