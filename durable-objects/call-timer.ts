import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../domain/env";
import { markCallMissed } from "../platform/call-status";

/**
 * One per call (`call:<id>`): an alarm that turns a still-ringing call into `missed` when
 * nobody answered in time. Answering, rejecting or ending disarms it; if it fires anyway,
 * `markCallMissed` changes only a call that is still ringing.
 */
export class CallTimer extends DurableObject<Bindings> {
	async arm(callId: string, atMs: number): Promise<void> {
		await this.ctx.storage.put("callId", callId);
		await this.ctx.storage.setAlarm(atMs);
	}

	async disarm(): Promise<void> {
		await this.ctx.storage.deleteAlarm();
		await this.ctx.storage.deleteAll();
	}

	async alarm(): Promise<void> {
		const callId = await this.ctx.storage.get<string>("callId");
		if (callId) await markCallMissed(this.env, callId);
		await this.ctx.storage.deleteAll();
	}
}
