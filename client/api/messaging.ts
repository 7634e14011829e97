/** Conversations over HTTP: sessions (the conversation list) and their history, messages, catch-up sync. */
import type * as M from "../../contracts/messages";
import type * as S from "../../contracts/sessions";
import type * as Sy from "../../contracts/sync";
import type { Http, Query } from "../http";
import { enc, type In, type Out } from "./shared";
import type { ConversationMessages, Message, MessageSearchResult, SendAck, Session, SyncResult } from "./types";

export class SessionsApi {
	constructor(private readonly http: Http) {}
	list(query: In<typeof S.SessionListQuery> = {}): Promise<Out<typeof S.SessionList>> {
		return this.http.request("GET", "/sessions", { query: query as Query });
	}
	get(sessionId: string): Promise<Session> {
		return this.http.request("GET", `/sessions/${enc(sessionId)}`);
	}
	async unreadTotal(): Promise<number> {
		return (await this.http.request<Out<typeof S.UnreadTotal>>("GET", "/sessions/unread/total")).totalUnread;
	}
	remove(sessionId: string): Promise<null> {
		return this.http.request("DELETE", `/sessions/${enc(sessionId)}`);
	}
	pin(sessionId: string, pinned: boolean): Promise<Session> {
		const body: In<typeof S.PinRequest> = { pinned };
		return this.http.request("PUT", `/sessions/${enc(sessionId)}/pin`, { body });
	}
	mute(sessionId: string, muted: boolean): Promise<Session> {
		const body: In<typeof S.MuteRequest> = { muted };
		return this.http.request("PUT", `/sessions/${enc(sessionId)}/mute`, { body });
	}
	read(sessionId: string, lastReadSeq?: number): Promise<Out<typeof S.ReadResponse>> {
		const body: In<typeof S.ReadRequest> = lastReadSeq === undefined ? {} : { lastReadSeq };
		return this.http.request("POST", `/sessions/${enc(sessionId)}/read`, { body });
	}
	/** History of a conversation (session ID = conversation ID): `before` pages back newest-first, `after` forward. */
	messages(sessionId: string, query: In<typeof M.HistoryQuery> = {}): Promise<Out<typeof M.HistoryResponse>> {
		return this.http.request("GET", `/sessions/${enc(sessionId)}/messages`, { query: query as Query });
	}
}

export class MessagesApi {
	constructor(private readonly http: Http) {}
	/** HTTP send (bots, servers); same idempotency on localId as the WebSocket. */
	send(body: In<typeof M.SendMessageRequest>): Promise<SendAck> {
		return this.http.request("POST", "/messages", { body });
	}
	get(messageId: string): Promise<Message> {
		return this.http.request("GET", `/messages/${enc(messageId)}`);
	}
	recall(messageId: string): Promise<Out<typeof M.RecallResponse>> {
		return this.http.request("POST", `/messages/${enc(messageId)}/recall`);
	}
	/** Hides the message for the caller only. */
	remove(messageId: string): Promise<null> {
		return this.http.request("DELETE", `/messages/${enc(messageId)}`);
	}
	/** Full-text search, newest first: one conversation with `conversationId`, otherwise all of mine. */
	search(query: In<typeof M.SearchMessagesQuery>): Promise<MessageSearchResult> {
		return this.http.request("GET", "/messages/search", { query: query as Query });
	}
}

export class SyncApi {
	constructor(private readonly http: Http) {}
	sync(body: In<typeof Sy.SyncRequest>): Promise<SyncResult> {
		return this.http.request("POST", "/sync", { body });
	}
	async messages(body: In<typeof Sy.SyncMessagesRequest>): Promise<ConversationMessages[]> {
		return (await this.http.request<Out<typeof Sy.SyncMessagesResponse>>("POST", "/sync/messages", { body }))
			.conversations;
	}
}
