/**
 * The typed catalogue of realtime events: every notification type the server can send, with
 * its `data` type inferred from contracts/notifications.ts (type-only import).
 */
import type { z } from "zod";
import type { Notifications } from "../contracts/notifications";

export type NotificationMap = { [K in keyof typeof Notifications]: z.output<(typeof Notifications)[K]> };
export type KnownNotificationType = keyof NotificationMap;

export interface NotificationEnvelope<T = unknown> {
	notificationType: string;
	timestamp: number;
	data: T;
}

/** Tiny typed emitter: no dependency, works in every runtime. */
export class Emitter<Events extends { [k: string]: unknown }> {
	private readonly handlers = new Map<keyof Events, Set<(arg: any) => void>>();

	on<K extends keyof Events>(event: K, handler: (arg: Events[K]) => void): () => void {
		const set = this.handlers.get(event) ?? new Set();
		this.handlers.set(event, set);
		set.add(handler);
		return () => set.delete(handler);
	}

	emit<K extends keyof Events>(event: K, arg: Events[K]) {
		for (const h of [...(this.handlers.get(event) ?? [])]) {
			try {
				h(arg);
			} catch (e) {
				// One broken listener must not stop delivery to the others.
				console.error("listener failed", String(event), e);
			}
		}
	}
}
