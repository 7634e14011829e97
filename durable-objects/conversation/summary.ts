import { previewOf } from "../../domain/message-format";
import type { ConversationKind, ConversationSummary } from "../../domain/messaging-types";
import type { MessageRow } from "./schema";
import { targetFor } from "./send-rules";

/** What a summary reads of the conversation's last message. */
export type LastRow = Pick<MessageRow, "seq" | "messageId" | "contentType" | "content" | "status" | "createdAt">;

/** A member's conversation-list row (what the member's hub keeps), from the last message and the member's read position. */
export function summaryOf(
	kind: ConversationKind,
	convId: string,
	userId: string,
	last: LastRow | undefined,
	lastSeq: number,
	readSeq: number,
): ConversationSummary {
	return {
		conversationId: convId,
		conversationType: kind,
		targetId: targetFor(kind, convId, userId),
		lastMessageId: last?.messageId ?? "",
		lastMessageContent: last ? previewOf(last.contentType, last.content, last.status) : "",
		lastMessageTime: last?.createdAt ?? 0,
		lastSeq: last?.seq ?? lastSeq,
		readSeq: Math.min(readSeq, last?.seq ?? lastSeq),
	};
}
