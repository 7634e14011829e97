import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Structured logs: one JSON object per line, so `wrangler tail` and Workers Logs can filter by
 * field. Every line written while serving a request carries that request's ID, also in the
 * Durable Objects, which get it from the Worker (an RPC argument, or the socket's attachment for
 * frames on a WebSocket). Never put a token, password, code, push token or message content in
 * a field: error lines carry the error's message only.
 */

/** The header a client may send (and every response carries) to correlate logs. */
export const REQUEST_ID_HEADER = "X-Request-Id";

const requestContext = new AsyncLocalStorage<string>();

/** Runs `work` (and everything it starts) as part of the request `requestId`; without an ID, as is. */
export function withRequestId<T>(requestId: string | undefined, work: () => T): T {
	return requestId ? requestContext.run(requestId, work) : work();
}

/** The request the current work belongs to, if any. */
export const currentRequestId = (): string | undefined => requestContext.getStore();

export function logLine(fields: Record<string, unknown>): void {
	console.log(JSON.stringify(fields));
}

/** One error line: what failed (`event`), the request it belongs to, and the error's message. */
export function logError(event: string, error: unknown, fields: Record<string, unknown> = {}): void {
	console.error(
		JSON.stringify({
			level: "error",
			event,
			requestId: currentRequestId(),
			...fields,
			error: error instanceof Error ? error.message : String(error),
		}),
	);
}
