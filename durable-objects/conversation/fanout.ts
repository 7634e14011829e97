import type { MessageData } from "../../contracts/messages";
import { recordFileReferences } from "../../db/files";
import type { Bindings } from "../../domain/env";
import { mayReferenceFiles } from "../../domain/file-refs";
import type {
	ConversationKind,
	ConversationSummary,
	FanoutMessage,
	MessageNewData,
} from "../../domain/messaging-types";
import { notificationFrame } from "../../platform/notify";
import { enqueuePush, type PushJob, pushJob } from "../../platform/push-jobs";
import type { PeerStubs } from "../../platform/stubs";
import type { MemberCopy } from "./members";
import { lastRowOf } from "./message-store";
import type { SenderCards } from "./sender-cards";

/** Read receipts, typing and per-member unread pushes go to every member only in groups up to this size. */
export const SMALL_GROUP_LIMIT = 100;

/** A stored message on its way to the members' hubs. */
export type Outgoing = {
	message: MessageData;
	originDevice: string | null;
	preview: string;
	/** Built once: at the send when echoed, else in the fan-out. */
	frames?: { frame: string; mentionFrame: string | null };
	/** The sender's hub delivered it to the sender's other devices already. */
	echoed?: boolean;
};

/** The member's conversation-list row after the given last message. */
export type SummaryOf = (
	kind: ConversationKind,
	convId: string,
	userId: string,
	last: ReturnType<typeof lastRowOf>,
) => ConversationSummary;

/**
 * Stored messages reach every member's hub through one loop per conversation, so each member
 * sees the conversation in sequence order. Runs after the commit (the ack does not wait for it);
 * offline members get an offline push job.
 */
export class Fanout {
	private outbox: Outgoing[] = [];
	/** The highest sequence whose fan-out to every member's hub has finished (or given up). */
	deliveredSeq = 0;
	private draining: Promise<void> | null = null;

	constructor(
		private readonly ctx: DurableObjectState,
		private readonly env: Bindings,
		private readonly peers: PeerStubs,
		private readonly members: MemberCopy,
		private readonly cards: SenderCards,
		private readonly summaryOf: SummaryOf,
	) {}

	push(stored: Outgoing[]): void {
		this.outbox.push(...stored);
		if (this.draining) return;
		this.draining = this.drain().finally(() => {
			this.draining = null;
		});
		this.ctx.waitUntil(this.draining);
	}

	private async drain(): Promise<void> {
		while (this.outbox.length) {
			const batch = this.outbox.splice(0);
			try {
				await this.fanout(batch);
			} catch (e) {
				console.error("fan-out failed", String(e));
			}
			this.deliveredSeq = Math.max(this.deliveredSeq, batch[batch.length - 1]!.message.sequence);
		}
	}

	/** The `message.new` frame (and `message.mentioned` if it mentions anyone), serialised once per message. */
	framesOf(b: Outgoing): { frame: string; mentionFrame: string | null } {
		if (b.frames) return b.frames;
		const data: MessageNewData = { ...b.message, senderInfo: this.cards.infoOf(b.message.senderId) };
		const mentionFrame = b.message.atUsers.length
			? JSON.stringify(
					notificationFrame("message.mentioned", {
						messageId: data.messageId,
						conversationId: data.conversationId,
						conversationType: data.conversationType,
						fromUserId: data.senderId,
						content: b.preview,
						sequence: data.sequence,
						sentAt: data.createdAt,
					}),
				)
			: null;
		return { frame: JSON.stringify(notificationFrame("message.new", data)), mentionFrame };
	}

	private async fanout(batch: Outgoing[]): Promise<void> {
		await this.shareReferencedFiles(batch.map((b) => b.message));
		const last = batch[batch.length - 1]!.message;
		const convId = last.conversationId;
		const kind = last.conversationType;
		const members = this.members.ids();
		const pushes: PushJob[] = [];
		// Each frame is serialised once per message, not once per member.
		const built = batch.map((b) => ({ ...b, ...this.framesOf(b) }));
		const plain: FanoutMessage[] = built.map((b) => ({
			senderId: b.message.senderId,
			frame: b.frame,
			excludeDevice: null,
			mentionFrame: null,
		}));
		const personal = (userId: string): FanoutMessage[] => {
			if (!built.some((b) => b.message.senderId === userId || b.message.atUsers.includes(userId))) return plain;
			return built
				.filter((b) => !(b.echoed && b.message.senderId === userId))
				.map((b) => ({
					senderId: b.message.senderId,
					frame: b.frame,
					excludeDevice: b.message.senderId === userId ? b.originDevice : null,
					mentionFrame: b.message.atUsers.includes(userId) && b.message.senderId !== userId ? b.mentionFrame : null,
				}));
		};
		// The newest message of the batch is the conversation's last one: no read of it back.
		const lastRow = lastRowOf(last);
		// Unread counts are pushed per member only where a conversation is small (see UserHub.applyMessages).
		const unreadUpdate = kind === "private" || members.length <= SMALL_GROUP_LIMIT;
		await Promise.all(
			members.map(async (userId) => {
				const messages = personal(userId);
				// The sender's hub already has all of these (echoed with the acks).
				if (!messages.length) return;
				try {
					const res = await this.peers
						.hub(userId)
						.applyMessages(userId, this.summaryOf(kind, convId, userId, lastRow), messages, unreadUpdate);
					const incoming = built.filter((b) => b.message.senderId !== userId);
					if (res.reached === 0 && !res.muted && incoming.length) {
						const newest = incoming[incoming.length - 1]!;
						const mentioned = incoming.some((b) => b.message.atUsers.includes(userId));
						pushes.push(
							pushJob(
								userId,
								mentioned ? "message.mentioned" : "message.new",
								newest.preview,
								{ messageId: newest.message.messageId, senderId: newest.message.senderId, conversationType: kind },
								convId,
							),
						);
					}
				} catch (e) {
					this.peers.forgetHub(userId);
					console.error("hub update failed", userId, String(e));
				}
			}),
		);
		if (pushes.length) await enqueuePush(this.env, pushes);
	}

	/**
	 * Files named by a message become readable by the conversation's members (file_shares).
	 * Off the ack path (the drain runs after the commit) and before anyone is told of the
	 * message, so a member can download as soon as `message.new` arrives. Messages that name
	 * no file cost nothing here.
	 */
	private async shareReferencedFiles(messages: MessageData[]): Promise<void> {
		for (const m of messages) {
			if (!mayReferenceFiles(m.content)) continue;
			try {
				await recordFileReferences(this.env, m.conversationId, m.content, m.senderId);
			} catch (e) {
				console.error("file references not recorded", m.messageId, String(e));
			}
		}
	}
}
