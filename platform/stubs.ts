import type { Bindings } from "../domain/env";

/** The fixed naming scheme of the per-user and per-conversation objects. */
export const hubFor = (env: Bindings, userId: string) => env.USER_HUB.getByName(`user:${userId}`);
export const conversationFor = (env: Bindings, conversationId: string) =>
	env.CONVERSATION.getByName(`conv:${conversationId}`);
export const callTimerFor = (env: Bindings, callId: string) => env.CALL_TIMER.getByName(`call:${callId}`);

type HubStub = ReturnType<typeof hubFor>;
type ConversationStub = ReturnType<typeof conversationFor>;

/**
 * Stubs an object keeps for the peers it calls on every message (a Conversation its members'
 * hubs, a hub its Conversations): making one hashes the name each time. Only for Durable
 * Objects, whose requests share one context (a Worker request's stubs die with it). Bounded,
 * and a stub whose call threw is dropped, since a broken stub fails every later call.
 */
export class PeerStubs {
	private readonly hubs = new Map<string, HubStub>();
	private readonly conversations = new Map<string, ConversationStub>();

	constructor(
		private readonly env: Bindings,
		private readonly max = 2048,
	) {}

	hub(userId: string): HubStub {
		return cached(this.hubs, userId, this.max, () => hubFor(this.env, userId));
	}

	conversation(conversationId: string): ConversationStub {
		return cached(this.conversations, conversationId, this.max, () => conversationFor(this.env, conversationId));
	}

	forgetHub(userId: string): void {
		this.hubs.delete(userId);
	}

	forgetConversation(conversationId: string): void {
		this.conversations.delete(conversationId);
	}
}

function cached<T>(map: Map<string, T>, key: string, max: number, make: () => T): T {
	let stub = map.get(key);
	if (!stub) {
		if (map.size >= max) map.clear();
		stub = make();
		map.set(key, stub);
	}
	return stub;
}
