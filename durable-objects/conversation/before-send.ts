import { BEFORE_SEND_EVENT } from "../../contracts/webhooks";
import type { Bindings } from "../../domain/env";
import { resolveContentType } from "../../domain/message-format";
import type { ConversationKind, SendInput } from "../../domain/messaging-types";
import { type Screened, screenMessage } from "../../platform/webhook-before-send";
import { hooksFor } from "../../platform/webhook-registry";
import type { IdempotencyWindow } from "./idempotency";
import type { MemberCopy } from "./members";
import type { MessageStore } from "./message-store";
import { checkContent, checkSender, fingerprintOf } from "./send-rules";

/**
 * The message.before_send hooks' verdict on each message of a batch (undefined: not asked),
 * asked before the batch's commit. Only messages that would be stored are asked: a retry of a
 * stored message (it gets its original ack), a sender who may not send here and a malformed
 * content never reach a hook. With no hook (the usual case) this costs a cache lookup.
 */
export async function screenBatch(
	env: Bindings,
	kind: ConversationKind,
	inputs: SendInput[],
	store: MessageStore,
	members: MemberCopy,
	keys: () => IdempotencyWindow | null,
): Promise<(Screened | undefined)[]> {
	const hooks = await hooksFor(env, BEFORE_SEND_EVENT);
	if (!hooks.length) return [];
	const window = keys();
	const wouldStore = (input: SendInput) => {
		if (kind !== input.conversationType) return false;
		const fingerprint = input.localId ? fingerprintOf(kind, input) : "";
		const retry =
			input.localId &&
			window?.find(input.senderId, input.originDevice ?? "", input.localId, fingerprint, store.lastSeq) !== undefined;
		if (retry || checkSender(members, kind, input.senderId)) return false;
		return checkContent(input, members, (id) => store.byId(id) !== undefined).ok;
	};
	return Promise.all(
		inputs.map((input) =>
			wouldStore(input)
				? screenMessage(hooks, {
						senderId: input.senderId,
						deviceId: input.originDevice ?? "",
						conversationId: input.conversationId,
						conversationType: kind,
						contentType: resolveContentType(input.contentType) ?? String(input.contentType),
						content: input.content,
						replyTo: input.replyTo,
						atUsers: [...new Set(input.atUsers)],
						localId: input.localId,
					})
				: undefined,
		),
	);
}
