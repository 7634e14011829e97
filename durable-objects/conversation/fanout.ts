import type { MessageData } from "../../contracts/messages";
import { recordFileReferences } from "../../db/files";
import { isLargeGroup } from "../../domain/config";
import type { Bindings } from "../../domain/env";
import { mayReferenceFiles } from "../../domain/file-refs";
import type {
	ConversationKind,
	ConversationSummary,
	FanoutMessage,
	MessageNewData,
	SendResult,
} from "../../domain/messaging-types";
import { logError, withRequestId } from "../../platform/log";
import { messagePoint } from "../../platform/metrics";
import { notificationFrame } from "../../platform/notify";
import { enqueuePush, type PushJob, pushJob } from "../../platform/push-jobs";
import type { PeerStubs } from "../../platform/stubs";
import { emitWebhookEvents } from "../../platform/webhook-events";
import type { MemberCopy } from "./members";
import { lastRowOf } from "./message-store";
import type { Presence } from "./presence";
import type { SenderCards } from "./sender-cards";

/**
 * Read receipts, typing and per-member unread pushes go to every member only in groups up to
 * this size. Larger groups fan out to the hubs of online members only (presence.ts).
 */
export const SMALL_GROUP_LIMIT = 100;

/**
 * An offline member of a large group gets at most one push per conversation in this long
 * (a mention always pushes): a busy group must not queue a job per message per member.
 */
export const PUSH_COALESCE_MS = 60_000;

/** A stored message on its way to the members' hubs. */
export type Outgoing = {
	message: MessageData;
	originDevice: string | null;
	preview: string;
	/** Built once: at the send when echoed, else in the fan-out. */
	frames?: { frame: string; mentionFrame: string | null };
	/** The sender's hub delivered it to the sender's other devices already. */
	echoed?: boolean;
	/** A message.before_send hook rewrote the content: every device of the sender gets it from the fan-out. */
	replaced?: boolean;
	/** The request that sent it: the fan-out's error lines carry it (platform/log.ts). */
	requestId?: string;
};

/** Where a batch of stored messages came from: the request, and when the Conversation received it. */
export type SendOrigin = { requestId?: string; receivedAt: number };

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
	/** When each offline member of a large group was last sent a push for this conversation. */
	private readonly pushedAt = new Map<string, number>();

	constructor(
		private readonly ctx: DurableObjectState,
		private readonly env: Bindings,
		private readonly peers: PeerStubs,
		private readonly members: MemberCopy,
		private readonly presence: Presence,
		private readonly cards: SenderCards,
		private readonly summaryOf: SummaryOf,
	) {}

	push(stored: Outgoing[], origin: SendOrigin): void {
		const commitMs = Date.now() - origin.receivedAt;
		const recipients = Math.max(0, this.members.map().size - 1);
		for (const o of stored) {
			o.requestId = origin.requestId;
			messagePoint(this.env, { conversationType: o.message.conversationType, recipients, commitMs });
		}
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
			// A round that carries several requests' messages logs under the first one's ID.
			const requestId = batch[0]!.requestId;
			try {
				await withRequestId(requestId, () => this.fanout(batch));
			} catch (e) {
				logError("fan-out failed", e, { requestId });
			}
			this.deliveredSeq = Math.max(this.deliveredSeq, batch[batch.length - 1]!.message.sequence);
			// After the members' delivery, whatever became of it; costs nothing while no hook subscribes.
			await emitWebhookEvents(this.env, "message.created", () => batch.map((o) => this.newData(o)));
		}
	}

	/**
	 * The sender's hub (which asked, and holds the sender's sockets) delivers these messages to
	 * the sender's other devices with the acks, so the fan-out spares that hub a call — in a
	 * private chat, one of a message's two. Only when every earlier message has reached every
	 * hub (the caller checks), so those devices still see the conversation in sequence order.
	 */
	echo(stored: Outgoing[], results: SendResult[], summary: ConversationSummary): void {
		// The hub's echo skips the sending device; a rewritten message must reach it, in order with the rest.
		if (stored.some((o) => o.replaced)) return;
		const bySeq = new Map(stored.map((o) => [o.message.sequence, o]));
		for (const r of results) {
			if (!r.ok || r.duplicate) continue;
			const o = bySeq.get(r.ack.sequence);
			if (!o) continue;
			o.frames = this.framesOf(o);
			o.echoed = true;
			r.echo = { frame: o.frames.frame, summary };
		}
	}

	/** The `message.new` frame (and `message.mentioned` if it mentions anyone), serialised once per message. */
	/** `message.new`'s data: the message with its sender's card (also the data of the message.created hook). */
	private newData(b: Outgoing): MessageNewData {
		return { ...b.message, senderInfo: this.cards.infoOf(b.message.senderId) };
	}

	framesOf(b: Outgoing): { frame: string; mentionFrame: string | null } {
		if (b.frames) return b.frames;
		const data = this.newData(b);
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
		// A large group calls the hubs of online members only; the others read its state when asked.
		const large = kind === "group" && isLargeGroup(this.env, members.length);
		const targets = large ? this.presence.list() : members;
		const roundStart = Date.now();
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
		const offline = (userId: string) => {
			const job = large ? this.coalescedPush(userId, built, kind, convId) : this.pushFor(userId, built, kind, convId);
			if (job) pushes.push(job);
		};
		await Promise.all(
			targets.map(async (userId) => {
				const messages = personal(userId);
				// The sender's hub already has all of these (echoed with the acks).
				if (!messages.length) return;
				try {
					const res = await this.peers
						.hub(userId)
						.applyMessages(userId, this.summaryOf(kind, convId, userId, lastRow), messages, unreadUpdate);
					if (res.reached === 0) {
						// A hub listed online with no socket left (the server was killed): not online.
						if (large) this.presence.dropStale(userId, roundStart);
						if (!res.muted) offline(userId);
					}
				} catch (e) {
					this.peers.forgetHub(userId);
					logError("hub update failed", e, { userId });
				}
			}),
		);
		if (large) {
			// Everyone not called above is offline (those called and found offline were pushed already).
			const called = new Set(targets);
			for (const userId of members) if (!called.has(userId)) offline(userId);
		}
		if (pushes.length) await enqueuePush(this.env, pushes);
	}

	/** The push for a member no device of whom got these messages; none if every one is their own. */
	private pushFor(userId: string, built: Outgoing[], kind: ConversationKind, convId: string): PushJob | null {
		const incoming = built.filter((b) => b.message.senderId !== userId);
		if (!incoming.length) return null;
		const newest = incoming[incoming.length - 1]!;
		const mentioned = incoming.some((b) => b.message.atUsers.includes(userId));
		return pushJob(
			userId,
			mentioned ? "message.mentioned" : "message.new",
			newest.preview,
			{ messageId: newest.message.messageId, senderId: newest.message.senderId, conversationType: kind },
			convId,
		);
	}

	/**
	 * A large group's offline member: a push at most every PUSH_COALESCE_MS (the client shows
	 * the unread count of the conversation, not each message); a mention always gets one. The
	 * member's session mute is applied by the push consumer, which asks the member's hub.
	 */
	private coalescedPush(userId: string, built: Outgoing[], kind: ConversationKind, convId: string): PushJob | null {
		const t = Date.now();
		// Most rounds of a busy group fall in the window: decided before any job is built.
		const recent = t - (this.pushedAt.get(userId) ?? Number.NEGATIVE_INFINITY) < PUSH_COALESCE_MS;
		if (recent && !built.some((b) => b.message.senderId !== userId && b.message.atUsers.includes(userId))) return null;
		const job = this.pushFor(userId, built, kind, convId);
		if (!job) return null;
		this.pushedAt.set(userId, t);
		return { ...job, checkMute: true };
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
				logError("file references not recorded", e, { messageId: m.messageId });
			}
		}
	}
}
