import { WEBHOOK_EVENTS, type WebhookEvent } from "../contracts/webhooks";
import { allWebhooks, type WebhookRow } from "../db/webhooks";
import type { Bindings } from "../domain/env";
import { logError } from "./log";

/** A server hook as the senders of events need it (secret included: they sign). */
export interface Hook {
	id: string;
	url: string;
	events: WebhookEvent[];
	secret: string;
	timeoutMs: number;
	failOpen: boolean;
	createdAt: number;
}

/** Default of WEBHOOK_CACHE_SECONDS. */
export const WEBHOOK_CACHE_SECONDS = 10;

/** WEBHOOK_CACHE_SECONDS: a non-negative number of seconds (0 = read D1 every time), else the default. */
export function cacheSecondsOf(env: Pick<Bindings, "WEBHOOK_CACHE_SECONDS">): number {
	const raw = env.WEBHOOK_CACHE_SECONDS?.trim();
	const n = Number(raw);
	return raw && Number.isFinite(n) && n >= 0 ? n : WEBHOOK_CACHE_SECONDS;
}

const eventsOf = (json: string): WebhookEvent[] => {
	try {
		const parsed: unknown = JSON.parse(json);
		return Array.isArray(parsed) ? WEBHOOK_EVENTS.filter((e) => parsed.includes(e)) : [];
	} catch {
		return [];
	}
};

const hookOf = (r: WebhookRow): Hook => ({
	id: r.id,
	url: r.url,
	events: eventsOf(r.events),
	secret: r.secret,
	timeoutMs: r.timeoutMs,
	failOpen: r.failOpen,
	createdAt: r.createdAt,
});

/**
 * Every hook, kept per isolate for WEBHOOK_CACHE_SECONDS: the send path asks on every message
 * (message.before_send, message.created) and must not read D1 for it. A hook created or deleted
 * takes effect at once in the isolate that wrote it (forgetWebhooks) and within the TTL elsewhere.
 */
let cached: { at: number; hooks: Hook[] } | undefined;
/** Bumped by every write, so a read that started before it does not refill the cache with old rows. */
let generation = 0;

async function load(env: Bindings): Promise<Hook[]> {
	const started = generation;
	const stale = cached?.hooks;
	let hooks: Hook[];
	try {
		// Oldest first (allWebhooks' order): several message.before_send hooks run in the order they were created.
		hooks = (await allWebhooks(env)).map(hookOf);
	} catch (e) {
		// A failed refresh keeps the last list (and tries again next time) rather than failing every send.
		if (!stale) throw e;
		logError("webhook list not refreshed", e);
		return stale;
	}
	if (started === generation) cached = { at: Date.now(), hooks };
	return hooks;
}

/** The hooks subscribed to `event`, oldest first. */
export async function hooksFor(env: Bindings, event: WebhookEvent): Promise<Hook[]> {
	let hooks = cached && Date.now() - cached.at < cacheSecondsOf(env) * 1000 ? cached.hooks : undefined;
	// Each stale caller reads for itself. Sharing one in-flight read would be wrong in workerd: the
	// objects of an isolate would await a promise resolved by another object's I/O, and their next
	// I/O fails ("Cannot perform I/O on behalf of a different Durable Object"; the bench hit it).
	if (!hooks) hooks = await load(env);
	return hooks.filter((h) => h.events.includes(event));
}

/** After this isolate changed the hooks: the next lookup reads them again. */
export function forgetWebhooks(): void {
	generation++;
	cached = undefined;
}
