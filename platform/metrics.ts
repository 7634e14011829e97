import type { Bindings } from "../domain/env";

/**
 * Datapoints on Workers Analytics Engine (binding METRICS, dataset `anychat_metrics`). The field
 * layout is the contract of the SQL in the README ("Operate"); change both together:
 *
 * | point   | index1            | blob1       | blob2             | blob3  | double1    | double2    |
 * | ------- | ----------------- | ----------- | ----------------- | ------ | ---------- | ---------- |
 * | request | route pattern     | `"request"` | route pattern     | method | status     | durationMs |
 * | message | conversation type | `"message"` | conversation type |        | recipients | commitMs   |
 *
 * The index is the sampling key, so each route (and each conversation type) is sampled on its
 * own. Without the binding (a test, a local run without it) nothing is written; locally wrangler
 * binds a no-op.
 */
export interface RequestPoint {
	/** Hono's matched route pattern (`/api/v1/groups/:groupId`), never the raw path. */
	route: string;
	method: string;
	status: number;
	durationMs: number;
}

export interface MessagePoint {
	conversationType: string;
	/** Members the message goes to, the sender excluded. */
	recipients: number;
	/** From the Conversation receiving the send to the message's row committed. */
	commitMs: number;
}

/** Analytics Engine keeps at most 96 bytes of an index. */
const MAX_INDEX_BYTES = 96;

export function requestPoint(env: Bindings, p: RequestPoint): void {
	write(env, { indexes: [indexOf(p.route)], blobs: ["request", p.route, p.method], doubles: [p.status, p.durationMs] });
}

export function messagePoint(env: Bindings, p: MessagePoint): void {
	write(env, {
		indexes: [indexOf(p.conversationType)],
		blobs: ["message", p.conversationType],
		doubles: [p.recipients, p.commitMs],
	});
}

function write(env: Bindings, point: AnalyticsEngineDataPoint): void {
	const dataset = (env as Partial<Bindings>).METRICS;
	if (!dataset) return;
	try {
		dataset.writeDataPoint(point);
	} catch {
		// A metric is never worth failing the request or the send it describes.
	}
}

function indexOf(value: string): string {
	const bytes = new TextEncoder().encode(value);
	return bytes.length <= MAX_INDEX_BYTES
		? value
		: new TextDecoder().decode(bytes.slice(0, MAX_INDEX_BYTES)).replace(/\uFFFD$/, "");
}
