/**
 * Typed calls for every route. Request and response types are inferred from the zod schemas
 * in contracts/ (type-only imports: no zod in the bundle), the same schemas the Worker
 * validates with and the OpenAPI document is generated from.
 */
import type { z } from "zod";
import type * as Adm from "../contracts/admin";
import type * as A from "../contracts/auth";
import type * as Fi from "../contracts/files";
import type * as F from "../contracts/friends";
import type * as G from "../contracts/groups";
import type * as M from "../contracts/messages";
import type * as R from "../contracts/rtc";
import type * as S from "../contracts/sessions";
import type * as Sy from "../contracts/sync";
import type * as U from "../contracts/users";
import { ApiError } from "./errors";
import type { Http, Query } from "./http";
import { pageOrigin } from "./runtime";

type In<T extends z.ZodType> = z.input<T>;
type Out<T extends z.ZodType> = z.output<T>;

export type AuthResponse = Out<typeof A.AuthResponse>;
export type TokenPair = Out<typeof A.TokenPair>;
export type UserProfile = Out<typeof U.UserProfile>;
export type PublicUser = Out<typeof U.PublicUser>;
export type UserSettings = Out<typeof U.UserSettings>;
export type Friend = Out<typeof F.Friend>;
export type FriendRequest = Out<typeof F.FriendRequest>;
export type BlacklistItem = Out<typeof F.BlacklistItem>;
export type Group = Out<typeof G.Group>;
export type GroupListItem = Out<typeof G.GroupListItem>;
export type GroupMember = Out<typeof G.GroupMember>;
export type GroupJoinRequest = Out<typeof G.GroupJoinRequest>;
export type Page<T> = { list: T[]; total: number; page: number; pageSize: number };

export type ConversationType = Out<typeof Sy.ConversationMessages>["conversationType"];
/** A message as history, sync and `message.new` carry it; only `message.new` adds `senderInfo`. */
export type Message = Out<typeof M.Message> & { senderInfo?: Out<typeof M.SenderInfo> };
/**
 * What the library sends (`message.send` and POST /messages): the canonical forms of the
 * request (the server also accepts legacy aliases such as "single" and numeric content types).
 */
export type SendPayload = Omit<In<typeof M.SendMessageRequest>, "conversationType" | "contentType" | "localId"> & {
	conversationType: ConversationType;
	contentType: M.ContentType | (string & {});
	localId: string;
};
export type SendAck = Out<typeof M.SendAck>;
export type Session = Out<typeof S.Session>;
export type ConversationSeq = In<typeof Sy.ConversationSeq>;
export type ConversationMessages = Out<typeof Sy.ConversationMessages>;
export type SyncResult = Out<typeof Sy.SyncResponse>;
export type FileType = Fi.FileType;
export type FileInfo = Out<typeof Fi.FileInfo>;
export type UploadToken = Out<typeof Fi.UploadTokenResponse>;
export type CallType = Out<typeof R.CallSession>["callType"];
export type CallStatus = R.CallStatus;
export type Call = Out<typeof R.CallSession>;
export type CallTicket = Out<typeof R.InitiateCallResponse>;
export type Meeting = Out<typeof R.MeetingRoom>;
export type MeetingAccess = Out<typeof R.MeetingAccess>;
export type AdminLogin = Out<typeof Adm.AdminLoginResponse>;
export type AdminUser = Out<typeof Adm.AdminUserItem>;
export type AuditLog = Out<typeof Adm.AuditLogItem>;

const enc = encodeURIComponent;

export class AuthApi {
	constructor(private readonly http: Http) {}

	/** Registers and stores the token pair. */
	async register(body: In<typeof A.RegisterRequest>): Promise<AuthResponse> {
		const r = await this.http.request<AuthResponse>("POST", "/auth/register", { body, auth: false });
		this.http.setTokens(r);
		return r;
	}

	/** Logs in and stores the token pair. */
	async login(body: In<typeof A.LoginRequest>): Promise<AuthResponse> {
		const r = await this.http.request<AuthResponse>("POST", "/auth/login", { body, auth: false });
		this.http.setTokens(r);
		return r;
	}

	/** Explicit rotation; normally the client refreshes by itself on a 401. */
	async refresh(): Promise<boolean> {
		return this.http.refresh();
	}

	async logout(body: In<typeof A.LogoutRequest>): Promise<null> {
		try {
			return await this.http.request<null>("POST", "/auth/logout", { body });
		} finally {
			this.http.setTokens(null);
		}
	}

	changePassword(body: In<typeof A.ChangePasswordRequest>): Promise<null> {
		return this.http.request("POST", "/auth/password/change", { body });
	}
}

export class UsersApi {
	constructor(private readonly http: Http) {}
	me(): Promise<UserProfile> {
		return this.http.request("GET", "/users/me");
	}
	updateMe(body: In<typeof U.UpdateProfileRequest>): Promise<UserProfile> {
		return this.http.request("PUT", "/users/me", { body });
	}
	get(userId: string): Promise<PublicUser> {
		return this.http.request("GET", `/users/${enc(userId)}`);
	}
	search(query: In<typeof U.UserSearchQuery>): Promise<Out<typeof U.UserSearchResponse>> {
		return this.http.request("GET", "/users/search", { query: query as Record<string, string | number> });
	}
	settings(): Promise<UserSettings> {
		return this.http.request("GET", "/users/me/settings");
	}
	updateSettings(body: In<typeof U.UpdateSettingsRequest>): Promise<UserSettings> {
		return this.http.request("PUT", "/users/me/settings", { body });
	}
	refreshQrcode(): Promise<Out<typeof U.QrcodeRefreshResponse>> {
		return this.http.request("POST", "/users/me/qrcode/refresh");
	}
	byQrcode(qrcode: string): Promise<PublicUser> {
		return this.http.request("GET", "/users/qrcode", { query: { qrcode } });
	}
	registerPushToken(body: In<typeof U.PushTokenRequest>): Promise<null> {
		return this.http.request("POST", "/users/me/push-token", { body });
	}
}

export class FriendsApi {
	constructor(private readonly http: Http) {}
	list(query: In<typeof F.FriendListQuery> = {}): Promise<Out<typeof F.FriendList>> {
		return this.http.request("GET", "/friends", { query: query as Record<string, number> });
	}
	sendRequest(body: In<typeof F.SendFriendRequest>): Promise<Out<typeof F.SendFriendRequestResponse>> {
		return this.http.request("POST", "/friends/requests", { body });
	}
	requests(query: In<typeof F.FriendRequestListQuery> = {}): Promise<Out<typeof F.FriendRequestList>> {
		return this.http.request("GET", "/friends/requests", { query: query as Record<string, string | number> });
	}
	handleRequest(requestId: number, body: In<typeof F.HandleFriendRequest>): Promise<null> {
		return this.http.request("PUT", `/friends/requests/${requestId}`, { body });
	}
	remove(friendUserId: string): Promise<null> {
		return this.http.request("DELETE", `/friends/${enc(friendUserId)}`);
	}
	setRemark(friendUserId: string, body: In<typeof F.UpdateRemarkRequest>): Promise<null> {
		return this.http.request("PUT", `/friends/${enc(friendUserId)}/remark`, { body });
	}
	blacklist(query: { page?: number; pageSize?: number } = {}): Promise<Out<typeof F.Blacklist>> {
		return this.http.request("GET", "/friends/blacklist", { query });
	}
	block(body: In<typeof F.BlockRequest>): Promise<null> {
		return this.http.request("POST", "/friends/blacklist", { body });
	}
	unblock(userId: string): Promise<null> {
		return this.http.request("DELETE", `/friends/blacklist/${enc(userId)}`);
	}
}

export class GroupsApi {
	constructor(private readonly http: Http) {}
	create(body: In<typeof G.CreateGroupRequest>): Promise<Group> {
		return this.http.request("POST", "/groups", { body });
	}
	list(query: In<typeof G.GroupListQuery> = {}): Promise<Out<typeof G.GroupList>> {
		return this.http.request("GET", "/groups", { query: query as Record<string, number> });
	}
	get(groupId: string): Promise<Group> {
		return this.http.request("GET", `/groups/${enc(groupId)}`);
	}
	update(groupId: string, body: In<typeof G.UpdateGroupRequest>): Promise<Group> {
		return this.http.request("PUT", `/groups/${enc(groupId)}`, { body });
	}
	dissolve(groupId: string): Promise<null> {
		return this.http.request("DELETE", `/groups/${enc(groupId)}`);
	}
	members(groupId: string, query: In<typeof G.MemberListQuery> = {}): Promise<Out<typeof G.MemberList>> {
		return this.http.request("GET", `/groups/${enc(groupId)}/members`, { query: query as Record<string, number> });
	}
	invite(groupId: string, body: In<typeof G.InviteRequest>): Promise<Out<typeof G.InviteResponse>> {
		return this.http.request("POST", `/groups/${enc(groupId)}/members`, { body });
	}
	removeMember(groupId: string, userId: string): Promise<null> {
		return this.http.request("DELETE", `/groups/${enc(groupId)}/members/${enc(userId)}`);
	}
	setRole(groupId: string, userId: string, body: In<typeof G.SetRoleRequest>): Promise<null> {
		return this.http.request("PUT", `/groups/${enc(groupId)}/members/${enc(userId)}/role`, { body });
	}
	muteMember(groupId: string, userId: string, body: In<typeof G.MuteRequest>): Promise<null> {
		return this.http.request("PUT", `/groups/${enc(groupId)}/members/${enc(userId)}/mute`, { body });
	}
	muteAll(groupId: string, body: In<typeof G.MuteRequest>): Promise<null> {
		return this.http.request("PUT", `/groups/${enc(groupId)}/mute`, { body });
	}
	setNickname(groupId: string, body: In<typeof G.NicknameRequest>): Promise<null> {
		return this.http.request("PUT", `/groups/${enc(groupId)}/nickname`, { body });
	}
	quit(groupId: string): Promise<null> {
		return this.http.request("POST", `/groups/${enc(groupId)}/quit`);
	}
	transfer(groupId: string, body: In<typeof G.TransferRequest>): Promise<null> {
		return this.http.request("POST", `/groups/${enc(groupId)}/transfer`, { body });
	}
	join(groupId: string, body: In<typeof G.JoinRequest> = {}): Promise<Out<typeof G.JoinResponse>> {
		return this.http.request("POST", `/groups/${enc(groupId)}/join`, { body });
	}
	requests(groupId: string, query: In<typeof G.JoinRequestListQuery> = {}): Promise<Out<typeof G.JoinRequestList>> {
		return this.http.request("GET", `/groups/${enc(groupId)}/requests`, { query: query as Record<string, string> });
	}
	handleRequest(groupId: string, requestId: number, body: In<typeof G.HandleJoinRequest>): Promise<null> {
		return this.http.request("PUT", `/groups/${enc(groupId)}/requests/${requestId}`, { body });
	}
}

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

export const fileTypeOf = (mime: string): FileType =>
	mime.startsWith("image/")
		? "image"
		: mime.startsWith("video/")
			? "video"
			: mime.startsWith("audio/")
				? "audio"
				: "file";

export class FilesApi {
	constructor(
		private readonly http: Http,
		private readonly fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis),
	) {}
	uploadToken(body: In<typeof Fi.UploadTokenRequest>): Promise<UploadToken> {
		return this.http.request("POST", "/files/upload-token", { body });
	}
	complete(fileId: string): Promise<FileInfo> {
		return this.http.request("POST", `/files/${enc(fileId)}/complete`);
	}
	get(fileId: string): Promise<FileInfo> {
		return this.http.request("GET", `/files/${enc(fileId)}`);
	}
	download(fileId: string, expiresMinutes?: number): Promise<Out<typeof Fi.DownloadResponse>> {
		return this.http.request("GET", `/files/${enc(fileId)}/download`, { query: { expiresMinutes } });
	}
	remove(fileId: string): Promise<Out<typeof Fi.DeleteFileResponse>> {
		return this.http.request("DELETE", `/files/${enc(fileId)}`);
	}
	list(query: In<typeof Fi.FileListQuery> = {}): Promise<Out<typeof Fi.FileList>> {
		return this.http.request("GET", "/files", { query: query as Query });
	}
	/** The whole flow: token, PUT of the bytes to the signed URL with the headers it names, complete. */
	async upload(
		data: Blob | ArrayBuffer | Uint8Array,
		meta: { fileName: string; mimeType: string; fileType?: FileType },
	): Promise<FileInfo> {
		const size = data instanceof Blob ? data.size : data.byteLength;
		const fileType = meta.fileType ?? fileTypeOf(meta.mimeType);
		const t = await this.uploadToken({ fileName: meta.fileName, fileType, fileSize: size, mimeType: meta.mimeType });
		const url = new URL(t.uploadUrl, this.http.baseUrl || pageOrigin()).toString();
		const res = await this.fetchImpl(url, { method: t.uploadMethod, body: data as BodyInit, headers: t.uploadHeaders });
		if (!res.ok) {
			throw new ApiError(res.status, res.status, `upload failed: HTTP ${res.status}`);
		}
		return this.complete(t.fileId);
	}
}

export class RtcApi {
	constructor(private readonly http: Http) {}
	startCall(body: In<typeof R.InitiateCallRequest>): Promise<CallTicket> {
		return this.http.request("POST", "/rtc/calls", { body });
	}
	answer(callId: string): Promise<Out<typeof R.JoinCallResponse>> {
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
	calls(query: In<typeof R.RtcPageQuery> = {}): Promise<Out<typeof R.CallList>> {
		return this.http.request("GET", "/rtc/calls", { query: query as Query });
	}
	createMeeting(body: In<typeof R.CreateMeetingRequest>): Promise<MeetingAccess> {
		return this.http.request("POST", "/rtc/meetings", { body });
	}
	meetings(query: In<typeof R.RtcPageQuery> = {}): Promise<Out<typeof R.MeetingList>> {
		return this.http.request("GET", "/rtc/meetings", { query: query as Query });
	}
	meeting(roomId: string): Promise<Meeting> {
		return this.http.request("GET", `/rtc/meetings/${enc(roomId)}`);
	}
	joinMeeting(roomId: string, body: In<typeof R.JoinMeetingRequest> = {}): Promise<MeetingAccess> {
		return this.http.request("POST", `/rtc/meetings/${enc(roomId)}/join`, { body });
	}
	endMeeting(roomId: string): Promise<null> {
		return this.http.request("POST", `/rtc/meetings/${enc(roomId)}/end`);
	}
}

/** Admin routes use their own token (never the user's); keep it in this object. */
export class AdminApi {
	token = "";
	constructor(private readonly http: Http) {}
	private req<T>(method: string, path: string, opts: { query?: Query; body?: unknown } = {}) {
		return this.http.request<T>(method, `/admin${path}`, { ...opts, token: this.token || "-" });
	}
	async login(body: In<typeof Adm.AdminLoginRequest>): Promise<AdminLogin> {
		const r = await this.http.request<AdminLogin>("POST", "/admin/auth/login", { body, auth: false });
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
	users(query: In<typeof Adm.AdminUserQuery> = {}): Promise<Out<typeof Adm.AdminUserList>> {
		return this.req("GET", "/users", { query: query as Query });
	}
	user(userId: string): Promise<AdminUser> {
		return this.req("GET", `/users/${enc(userId)}`);
	}
	ban(userId: string, body: In<typeof Adm.BanRequest> = {}): Promise<null> {
		return this.req("POST", `/users/${enc(userId)}/ban`, { body });
	}
	unban(userId: string): Promise<null> {
		return this.req("POST", `/users/${enc(userId)}/unban`);
	}
	group(groupId: string): Promise<Out<typeof Adm.AdminGroup>> {
		return this.req("GET", `/groups/${enc(groupId)}`);
	}
	dissolveGroup(groupId: string): Promise<null> {
		return this.req("DELETE", `/groups/${enc(groupId)}`);
	}
	stats(): Promise<Out<typeof Adm.StatsOverview>> {
		return this.req("GET", "/stats/overview");
	}
	auditLogs(query: In<typeof Adm.AuditLogQuery> = {}): Promise<Out<typeof Adm.AuditLogList>> {
		return this.req("GET", "/audit-logs", { query: query as Query });
	}
	config(): Promise<Out<typeof Adm.ConfigList>> {
		return this.req("GET", "/config");
	}
	setConfig(key: string, body: In<typeof Adm.UpdateConfigRequest>): Promise<Out<typeof Adm.ConfigItem>> {
		return this.req("PUT", `/config/${enc(key)}`, { body });
	}
	admins(): Promise<Out<typeof Adm.AdminAccountList>> {
		return this.req("GET", "/admins");
	}
	createAdmin(body: In<typeof Adm.CreateAdminRequest>): Promise<Out<typeof Adm.AdminAccount>> {
		return this.req("POST", "/admins", { body });
	}
	setAdminStatus(
		adminId: string,
		body: In<typeof Adm.UpdateAdminStatusRequest>,
	): Promise<Out<typeof Adm.AdminAccount>> {
		return this.req("PUT", `/admins/${enc(adminId)}/status`, { body });
	}
}
