import { WEBHOOK_HEADERS, type WebhookDelivery } from "../contracts/webhooks";
import { now } from "../domain/time";

const encoder = new TextEncoder();
const hex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");

/** `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`: the X-AnyChat-Signature value. */
export async function signatureOf(secret: string, timestamp: number, body: string): Promise<string> {
	const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
		"sign",
	]);
	return `sha256=${hex(await crypto.subtle.sign("HMAC", key, encoder.encode(`${timestamp}.${body}`)))}`;
}

/**
 * POSTs one delivery to a hook, signed, within `timeoutMs` (an AbortError/TimeoutError past it).
 * The timestamp header is the time of this attempt, so a retry hours later still passes a
 * receiver's freshness check; the body (and its `id`) is the same on every attempt. Redirects
 * are not followed: a hook must answer at the URL it was registered with.
 */
export async function postWebhook(
	hook: { url: string; secret: string; timeoutMs: number },
	delivery: WebhookDelivery,
): Promise<Response> {
	const body = JSON.stringify(delivery);
	const timestamp = now();
	return fetch(hook.url, {
		method: "POST",
		redirect: "manual",
		signal: AbortSignal.timeout(hook.timeoutMs),
		headers: {
			"Content-Type": "application/json",
			"User-Agent": "AnyChat-Webhooks/1",
			[WEBHOOK_HEADERS.event]: delivery.event,
			[WEBHOOK_HEADERS.delivery]: delivery.id,
			[WEBHOOK_HEADERS.timestamp]: String(timestamp),
			[WEBHOOK_HEADERS.signature]: await signatureOf(hook.secret, timestamp, body),
		},
		body,
	});
}
