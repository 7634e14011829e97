/** The social graph: friends, friend requests and the blacklist; groups and their members. */
import type * as F from "../../contracts/friends";
import type * as G from "../../contracts/groups";
import type { Http } from "../http";
import { enc, type In, type Out } from "./shared";
import type { Group } from "./types";

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
