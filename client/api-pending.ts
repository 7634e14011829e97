/**
 * Routes that live on other branches (messaging; files, calls and admin) and are merged
 * later, written from the wire contract (WIRE-PROFILE.md, sessions.md, sync.md,
 * files.md, rtc.md, admin.md and issues 4/5). Once their zod schemas land in contracts/,
 * replace these hand-written types with z.infer like api.ts does.
 *
 * Every shape the spec leaves open is read through one of the `normalize*` functions at
 * the bottom of this file, so a different server choice is fixed in one place.
 */

import type { Page } from "./api";
import { ApiError } from "./errors";
import type { Http } from "./http";
import { pageOrigin } from "./runtime";

const enc = encodeURIComponent;

export type ConversationType = "private" | "group";
export type ContentType = "text" | "image" | "audio" | "video" | "file" | "location" | "custom" | "system";

export interface Message {
	messageId: string;
	conversationId: string;
	conversationType: ConversationType;
	senderId: string;
	contentType: ContentType | string;
	content: string;
	sequence: number;
	/** 0 normal, 1 recalled. */
	status: number;
	timestamp: number;
	createdAt?: number;
	replyTo?: string;
	atUsers?: string[];
	senderInfo?: { userId?: string; nickname: string; avatar: string };
}

export interface SendPayload {
	conversationId: string;
	conversationType: ConversationType;
	contentType: ContentType | string;
	content: string;
	localId: string;
	replyTo?: string;
	atUsers?: string[];
}

export interface SendAck {
	messageId: string;
	sequence: number;
	timestamp: number;
	localId: string;
}

export interface Session {
	sessionId: string;
	sessionType: ConversationType;
	targetId: string;
	lastMessageId: string;
	lastMessageContent: string;
	lastMessageTime: number;
	unreadCount: number;
	isPinned: boolean;
	isMuted: boolean;
	pinTime: number;
	updatedAt: number;
}

export interface ConversationSeq {
	conversationId: string;
	conversationType?: ConversationType;
	lastSeq: number;
}

export interface ConversationMessages {
	conversationId: string;
	conversationType: string;
	messages: Message[];
	hasMore: boolean;
}

export interface SyncResult {
	friends: unknown;
	groups: unknown;
	sessions: Session[];
	conversations: ConversationMessages[];
	syncTime: number;
}

export type FileType = "image" | "video" | "audio" | "file";
export interface FileInfo {
	fileId: string;
	fileName: string;
	fileType: FileType | string;
	fileSize: number;
	mimeType: string;
	downloadUrl: string;
	createdAt: number;
}
export interface UploadToken {
	fileId: string;
	uploadUrl: string;
	expiresIn: number;
	/** Headers the PUT must carry, when the server names them. */
	uploadHeaders?: Record<string, string>;
}

export type CallType = "audio" | "video";
export type CallStatus = "ringing" | "connected" | "ended" | "rejected" | "missed" | "cancelled";
export interface Call {
	callId: string;
	callerId: string;
	calleeId: string;
	roomName: string;
	token: string;
	callType: CallType;
	status: CallStatus;
	startedAt: number;
	endedAt: number;
	duration: number;
}
export interface CallTicket {
	callId?: string;
	roomName: string;
	token: string;
	livekitUrl?: string;
}
export interface Meeting {
	roomId: string;
	creatorId: string;
	title: string;
	roomName: string;
	hasPassword: boolean;
	maxParticipants: number;
	startedAt: number;
	status: "active" | "ended";
}

export interface AdminLogin {
	token: string;
	adminId: string;
	username: string;
	role: string;
}
export interface AdminUser {
	userId: string;
	nickname: string;
	avatar: string;
	signature?: string;
	status?: number | string;
	[key: string]: unknown;
}
export interface AuditLog {
	id: number | string;
	adminId: string;
	action: string;
	resourceType?: string;
	resourceId?: string;
	createdAt: number;
	[key: string]: unknown;
}

export class SessionsApi {
	constructor(private readonly http: Http) {}
	async list(query: { limit?: number; updatedBefore?: number } = {}): Promise<{ list: Session[]; hasMore: boolean }> {
		return normalizeCursorList<Session>(await this.http.request("GET", "/sessions", { query }), "sessions");
	}
	get(sessionId: string): Promise<Session> {
		return this.http.request("GET", `/sessions/${enc(sessionId)}`);
	}
	async unreadTotal(): Promise<number> {
		const d = await this.http.request<{ totalUnread?: number } | null>("GET", "/sessions/unread/total");
		return d?.totalUnread ?? 0;
	}
	remove(sessionId: string): Promise<null> {
		return this.http.request("DELETE", `/sessions/${enc(sessionId)}`);
	}
	pin(sessionId: string, pinned: boolean): Promise<null> {
		return this.http.request("PUT", `/sessions/${enc(sessionId)}/pin`, { body: { pinned } });
	}
	mute(sessionId: string, muted: boolean): Promise<null> {
		return this.http.request("PUT", `/sessions/${enc(sessionId)}/mute`, { body: { muted } });
	}
	read(sessionId: string, lastReadSeq?: number): Promise<null> {
		return this.http.request("POST", `/sessions/${enc(sessionId)}/read`, {
			body: lastReadSeq === undefined ? {} : { lastReadSeq },
		});
	}
	/** History of a conversation (session ID = conversation ID): `before` pages back newest-first, `after` forward. */
	async messages(
		sessionId: string,
		query: { before?: number; after?: number; limit?: number } = {},
	): Promise<{ list: Message[]; hasMore: boolean }> {
		const d = await this.http.request("GET", `/sessions/${enc(sessionId)}/messages`, { query });
		return normalizeCursorList<Message>(d, "messages");
	}
}

export class MessagesApi {
	constructor(private readonly http: Http) {}
	/** HTTP send (bots, servers); same idempotency on localId as the WebSocket. */
	send(body: SendPayload): Promise<SendAck> {
		return this.http.request("POST", "/messages", { body });
	}
	get(messageId: string): Promise<Message> {
		return this.http.request("GET", `/messages/${enc(messageId)}`);
	}
	recall(messageId: string): Promise<null> {
		return this.http.request("POST", `/messages/${enc(messageId)}/recall`);
	}
	/** Hides the message for the caller only. */
	remove(messageId: string): Promise<null> {
		return this.http.request("DELETE", `/messages/${enc(messageId)}`);
	}
}

export class SyncApi {
	constructor(private readonly http: Http) {}
	async sync(body: { lastSyncTime: number; conversationSeqs: ConversationSeq[] }): Promise<SyncResult> {
		return normalizeSync(await this.http.request("POST", "/sync", { body }));
	}
	async messages(body: {
		conversationSeqs: ConversationSeq[];
		limitPerConversation?: number;
	}): Promise<ConversationMessages[]> {
		const d = await this.http.request<{ conversations?: unknown[] } | null>("POST", "/sync/messages", { body });
		return (d?.conversations ?? []).map(normalizeConversationMessages);
	}
}

export class FilesApi {
	constructor(
		private readonly http: Http,
		private readonly fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis),
	) {}
	uploadToken(body: {
		fileName: string;
		fileType: FileType;
		fileSize: number;
		mimeType: string;
		expiresHours?: number;
	}): Promise<UploadToken> {
		return this.http.request("POST", "/files/upload-token", { body });
	}
	complete(fileId: string): Promise<FileInfo> {
		return this.http.request("POST", `/files/${enc(fileId)}/complete`);
	}
	get(fileId: string): Promise<FileInfo> {
		return this.http.request("GET", `/files/${enc(fileId)}`);
	}
	download(fileId: string, expiresMinutes?: number): Promise<{ downloadUrl: string; expiresIn: number }> {
		return this.http.request("GET", `/files/${enc(fileId)}/download`, { query: { expiresMinutes } });
	}
	remove(fileId: string): Promise<unknown> {
		return this.http.request("DELETE", `/files/${enc(fileId)}`);
	}
	async list(query: { fileType?: string; page?: number; pageSize?: number } = {}): Promise<Page<FileInfo>> {
		return normalizePage<FileInfo>(await this.http.request("GET", "/files", { query }), "files");
	}
	/** The whole flow: token, PUT of the bytes to the signed URL, complete. */
	async upload(
		data: Blob | ArrayBuffer | Uint8Array,
		meta: { fileName: string; mimeType: string; fileType?: FileType },
	): Promise<FileInfo> {
		const size = data instanceof Blob ? data.size : data.byteLength;
		const fileType = meta.fileType ?? fileTypeOf(meta.mimeType);
		const t = await this.uploadToken({ fileName: meta.fileName, fileType, fileSize: size, mimeType: meta.mimeType });
		const url = new URL(t.uploadUrl, this.http.baseUrl || pageOrigin()).toString();
		const res = await this.fetchImpl(url, {
			method: "PUT",
			body: data as BodyInit,
			headers: t.uploadHeaders ?? { "Content-Type": meta.mimeType },
		});
		if (!res.ok) {
			throw new ApiError(res.status, res.status, `upload failed: HTTP ${res.status}`);
		}
		return this.complete(t.fileId);
	}
}

export const fileTypeOf = (mime: string): FileType =>
	mime.startsWith("image/")
		? "image"
		: mime.startsWith("video/")
			? "video"
			: mime.startsWith("audio/")
				? "audio"
				: "file";

export class RtcApi {
	constructor(private readonly http: Http) {}
	startCall(body: { calleeId: string; callType: CallType }): Promise<CallTicket> {
		return this.http.request("POST", "/rtc/calls", { body });
	}
	answer(callId: string): Promise<CallTicket> {
		return this.http.request("POST", `/rtc/calls/${enc(callId)}/join`);
	}
	reject(callId: string): Promise<null> {
		return this.http.request("POST", `/rtc/calls/${enc(callId)}/reject`);
	}
	end(callId: string): Promise<null> {
		return this.http.request("POST", `/rtc/calls/${enc(callId)}/end`);
	}
	call(callId: string): Promise<Call> {
		return this.http.request("GET", `/rtc/calls/${enc(callId)}`);
	}
	async calls(query: { page?: number; pageSize?: number } = {}): Promise<Page<Call>> {
		return normalizePage<Call>(await this.http.request("GET", "/rtc/calls", { query }), "sessions");
	}
	createMeeting(body: {
		title: string;
		password?: string;
		maxParticipants?: number;
	}): Promise<{ meeting: Meeting; token: string }> {
		return this.http.request("POST", "/rtc/meetings", { body });
	}
	async meetings(query: { page?: number; pageSize?: number } = {}): Promise<Page<Meeting>> {
		return normalizePage<Meeting>(await this.http.request("GET", "/rtc/meetings", { query }), "meetings");
	}
	meeting(roomId: string): Promise<Meeting> {
		return this.http.request("GET", `/rtc/meetings/${enc(roomId)}`);
	}
	joinMeeting(roomId: string, password?: string): Promise<{ meeting: Meeting; token: string }> {
		return this.http.request("POST", `/rtc/meetings/${enc(roomId)}/join`, { body: password ? { password } : {} });
	}
	endMeeting(roomId: string): Promise<null> {
		return this.http.request("POST", `/rtc/meetings/${enc(roomId)}/end`);
	}
}

/** Admin routes use their own token (never the user's); keep it in this object. */
export class AdminApi {
	token = "";
	constructor(private readonly http: Http) {}
	private req<T>(method: string, path: string, opts: { query?: Record<string, any>; body?: unknown } = {}) {
		return this.http.request<T>(method, `/admin${path}`, { ...opts, token: this.token || "-" });
	}
	async login(username: string, password: string): Promise<AdminLogin> {
		const r = await this.http.request<AdminLogin>("POST", "/admin/auth/login", {
			body: { username, password },
			auth: false,
		});
		this.token = r.token;
		return r;
	}
	async logout(): Promise<void> {
		try {
			await this.req("POST", "/auth/logout");
		} finally {
			this.token = "";
		}
	}
	async users(query: { keyword?: string; page?: number; pageSize?: number } = {}): Promise<Page<AdminUser>> {
		return normalizePage<AdminUser>(await this.req("GET", "/users", { query }), "users");
	}
	user(userId: string): Promise<AdminUser> {
		return this.req("GET", `/users/${enc(userId)}`);
	}
	ban(userId: string, reason = ""): Promise<null> {
		return this.req("POST", `/users/${enc(userId)}/ban`, { body: { reason } });
	}
	unban(userId: string): Promise<null> {
		return this.req("POST", `/users/${enc(userId)}/unban`);
	}
	group(groupId: string): Promise<Record<string, unknown>> {
		return this.req("GET", `/groups/${enc(groupId)}`);
	}
	dissolveGroup(groupId: string): Promise<null> {
		return this.req("DELETE", `/groups/${enc(groupId)}`);
	}
	stats(): Promise<Record<string, number>> {
		return this.req("GET", "/stats/overview");
	}
	async auditLogs(
		query: { adminId?: string; action?: string; page?: number; pageSize?: number } = {},
	): Promise<Page<AuditLog>> {
		return normalizePage<AuditLog>(await this.req("GET", "/audit-logs", { query }), "logs");
	}
	config(): Promise<unknown> {
		return this.req("GET", "/config");
	}
	setConfig(key: string, value: string): Promise<null> {
		return this.req("PUT", `/config/${enc(key)}`, { body: { value } });
	}
	admins(): Promise<unknown> {
		return this.req("GET", "/admins");
	}
	createAdmin(body: { username: string; password: string; role?: string }): Promise<unknown> {
		return this.req("POST", "/admins", { body });
	}
	setAdminStatus(adminId: string, status: number): Promise<null> {
		return this.req("PUT", `/admins/${enc(adminId)}/status`, { body: { status } });
	}
}

// ---- Tolerant readers: the one place that knows which list key the server chose. ----

/** `{list, hasMore}` per WIRE-PROFILE §3; also accepts a contract-named key (`sessions`, `messages`). */
export function normalizeCursorList<T>(d: unknown, altKey: string): { list: T[]; hasMore: boolean } {
	const o = (d ?? {}) as Record<string, unknown>;
	const list = (Array.isArray(o.list) ? o.list : Array.isArray(o[altKey]) ? o[altKey] : []) as T[];
	return { list, hasMore: Boolean(o.hasMore ?? o.has_more ?? false) };
}

export function normalizePage<T>(d: unknown, altKey: string): Page<T> {
	const o = (d ?? {}) as Record<string, unknown>;
	const list = (Array.isArray(o.list) ? o.list : Array.isArray(o[altKey]) ? o[altKey] : []) as T[];
	return {
		list,
		total: Number(o.total ?? list.length),
		page: Number(o.page ?? 1),
		pageSize: Number(o.pageSize ?? list.length),
	};
}

export function normalizeConversationMessages(c: unknown): ConversationMessages {
	const o = (c ?? {}) as Record<string, unknown>;
	const messages = (Array.isArray(o.messages) ? o.messages : Array.isArray(o.list) ? o.list : []) as Message[];
	return {
		conversationId: String(o.conversationId ?? ""),
		conversationType: String(o.conversationType ?? ""),
		messages: [...messages].sort((a, b) => a.sequence - b.sequence),
		hasMore: Boolean(o.hasMore ?? false),
	};
}

export function normalizeSync(d: unknown): SyncResult {
	const o = (d ?? {}) as Record<string, unknown>;
	const sessions = o.sessions as unknown;
	return {
		friends: o.friends ?? null,
		groups: o.groups ?? null,
		sessions: Array.isArray(sessions) ? sessions : normalizeCursorList<Session>(sessions, "sessions").list,
		conversations: Array.isArray(o.conversations) ? o.conversations.map(normalizeConversationMessages) : [],
		syncTime: Number(o.syncTime ?? 0),
	};
}
