import type { Bindings } from "../env";

/** The fixed naming scheme of the per-user and per-conversation objects. */
export const hubFor = (env: Bindings, userId: string) => env.USER_HUB.getByName(`user:${userId}`);
export const conversationFor = (env: Bindings, conversationId: string) =>
	env.CONVERSATION.getByName(`conv:${conversationId}`);
