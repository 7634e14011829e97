import type { Bindings } from "../../domain/env";
import { logError } from "../../platform/log";
import { conversationFor } from "../../platform/stubs";
import type { SessionIndex } from "./session-index";

/**
 * Tells the user's group conversations whether the user has a live socket (their side is
 * durable-objects/conversation/presence.ts): when the first socket opens and when the last one
 * closes. A large group calls only online members' hubs, so while the user is online the rows of
 * every group stay current through the fan-out, and while offline they are read from the groups
 * when the list is asked for (`SessionIndex.refreshGroups`). Changes apply one at a time, in order.
 */
export class HubPresence {
	private chain: Promise<void> = Promise.resolve();
	/** What the group conversations were last told. */
	private online: boolean;

	constructor(
		private readonly env: Bindings,
		private readonly index: SessionIndex,
		/** Sockets that survived this instance's predecessor (hibernation): the groups still count the user as online. */
		initiallyOnline: boolean,
	) {
		this.online = initiallyOnline;
	}

	/** Whether the group rows are kept current by the fan-out (the user is online). */
	get live(): boolean {
		return this.online;
	}

	/** After the set of sockets changed: `online` is whether any socket is left open. */
	update(userId: string, online: boolean): Promise<void> {
		this.chain = this.chain.then(async () => {
			if (online === this.online) return;
			this.online = online;
			await this.tell(userId, this.index.groupIds(), online);
		});
		return this.chain;
	}

	/** The user joined a group while online: that group learns it now. */
	joined(userId: string, conversationId: string): Promise<void> {
		this.chain = this.chain.then(() => (this.online ? this.tell(userId, [conversationId], true) : undefined));
		return this.chain;
	}

	private async tell(userId: string, conversationIds: string[], online: boolean): Promise<void> {
		const summaries = await Promise.all(
			conversationIds.map((id) =>
				conversationFor(this.env, id)
					.setOnline(id, userId, online)
					.catch((e) => {
						logError("presence not recorded", e, { conversationId: id });
						return null;
					}),
			),
		);
		// Coming online, each group's row is brought up to date (the fan-out skipped this hub meanwhile).
		for (const s of summaries) if (s) this.index.upsert(userId, s);
	}
}
