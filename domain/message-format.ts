import { CONTENT_TYPE_ALIASES, CONTENT_TYPES, type ContentType } from "../contracts/messages";

/** Resolves a client contentType (string or README integer alias); `system` is server-only. */
export function resolveContentType(value: string | number): ContentType | null {
	if (typeof value === "number") return CONTENT_TYPE_ALIASES[value] ?? null;
	const v = value.trim().toLowerCase();
	if (/^\d+$/.test(v)) return CONTENT_TYPE_ALIASES[Number(v)] ?? null;
	if (v === "system") return null;
	return (CONTENT_TYPES as readonly string[]).includes(v) ? (v as ContentType) : null;
}

const PREVIEW_LABELS: Record<string, string> = {
	image: "[图片]",
	video: "[视频]",
	audio: "[语音]",
	file: "[文件]",
	location: "[位置]",
	card: "[名片]",
};

export const RECALLED_PREVIEW = "[消息已撤回]";
const PREVIEW_CHARS = 100;

/**
 * What a text message says: its content is a JSON document with a `text` field or plain text;
 * null for a JSON document without one.
 */
export function textOfContent(content: string): string | null {
	if (!content.startsWith("{")) return content;
	try {
		const parsed = JSON.parse(content) as { text?: unknown };
		return typeof parsed.text === "string" ? parsed.text : null;
	} catch {
		// Plain text that merely starts with a brace.
		return content;
	}
}

/**
 * The preview text of a message (messages-and-websocket.md §3 literals); text is cut by
 * characters, never mid-character.
 */
export function previewOf(contentType: string, content: string, status = 0): string {
	if (status === 1) return RECALLED_PREVIEW;
	if (contentType !== "text") return PREVIEW_LABELS[contentType] ?? "[消息]";
	const text = textOfContent(content) ?? "[文本消息]";
	const chars = [...text];
	return chars.length > PREVIEW_CHARS ? `${chars.slice(0, PREVIEW_CHARS).join("")}...` : text;
}

export const utf8Length = (s: string) => new TextEncoder().encode(s).byteLength;

/**
 * Message IDs carry their conversation so any route can find the owning Conversation object
 * without an index: `<conversationId>.<sequence>.<random>`. Conversation IDs never contain a dot.
 */
export function newMessageId(conversationId: string, sequence: number): string {
	const random = [...crypto.getRandomValues(new Uint8Array(6))].map((b) => b.toString(16).padStart(2, "0")).join("");
	return `${conversationId}.${sequence}.${random}`;
}

/**
 * A message ID's parts, read from the right (the random part, then the sequence, the rest is the
 * conversation); null when the ID does not have the `newMessageId` shape.
 */
export function parseMessageId(messageId: string): { conversationId: string; sequence: number } | null {
	const end = messageId.lastIndexOf(".");
	const start = messageId.lastIndexOf(".", end - 1);
	if (end <= 0 || start <= 0 || end === messageId.length - 1) return null;
	const digits = messageId.slice(start + 1, end);
	if (!/^\d{1,15}$/.test(digits)) return null;
	const sequence = Number(digits);
	return sequence > 0 ? { conversationId: messageId.slice(0, start), sequence } : null;
}

/** The sequence inside a message ID: the Conversation finds a message by this rowid, then checks the whole ID. */
export const sequenceOfMessageId = (messageId: string): number | null => parseMessageId(messageId)?.sequence ?? null;

/** The conversation that owns a message ID (conversation IDs never contain a dot). */
export function conversationOfMessageId(messageId: string): string | null {
	const parsed = parseMessageId(messageId);
	return parsed && !parsed.conversationId.includes(".") ? parsed.conversationId : null;
}
