/**
 * Typed calls for the routes that exist on this branch. Request and response types are
 * inferred from the zod schemas in contracts/ (type-only imports: no zod in the bundle).
 */
import type { z } from "zod";
import type * as A from "../contracts/auth";
import type * as F from "../contracts/friends";
import type * as G from "../contracts/groups";
import type * as U from "../contracts/users";
import type { Http } from "./http";

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
