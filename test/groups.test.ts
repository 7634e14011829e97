import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { getConfigValue } from "../db/system-config";
import { app } from "../workers/app";
import { groupsChangedSince } from "../workers/services/groups";
import { BASE, fails, ok } from "./fixtures/api";
import { makeGroup } from "./fixtures/social";
import { registerUser, type TestUser } from "./fixtures/users";
import { connect, roundTrip, type TestSocket } from "./fixtures/ws";

const nowSec = () => Math.floor(Date.now() / 1000);
const users = (n: number) => Promise.all(Array.from({ length: n }, () => registerUser()));
const sockets = (list: TestUser[]) => Promise.all(list.map((u) => connect(u.token)));
const closeAll = (list: TestSocket[]) => {
	for (const s of list) s.close();
};

async function noneGot(type: string, ...list: TestSocket[]) {
	for (const s of list) {
		await roundTrip(s);
		expect(s.notifications(type), `unexpected ${type}`).toHaveLength(0);
	}
}

/** Every socket gets exactly one `type` notification whose data matches. */
async function allGot(type: string, data: Record<string, unknown>, ...list: TestSocket[]) {
	for (const s of list) {
		const [f] = await s.waitForNotification(type);
		expect(f!.payload.data).toMatchObject(data);
		await roundTrip(s);
		expect(s.notifications(type)).toHaveLength(1);
	}
}

/** The Conversation object's member copy must equal D1's current membership. */
async function expectConversationMatchesD1(groupId: string) {
	const group = await env.DB.prepare("SELECT status, is_muted FROM groups WHERE id = ?")
		.bind(groupId)
		.first<{ status: number; is_muted: number }>();
	const rows = await env.DB.prepare(
		"SELECT user_id, role, is_muted FROM group_members WHERE group_id = ? AND left_at IS NULL ORDER BY user_id",
	)
		.bind(groupId)
		.all<{ user_id: string; role: string; is_muted: number }>();
	const expected =
		group?.status === 1 ? rows.results.map((r) => ({ userId: r.user_id, role: r.role, muted: r.is_muted === 1 })) : [];
	const stub = env.CONVERSATION.getByName(`conv:${groupId}`);
	expect(await stub.members()).toEqual(expected);
	const meta = await runInDurableObject(stub, async (_o, state) =>
		Object.fromEntries(
			state.storage.sql
				.exec<{ key: string; value: string }>("SELECT key, value FROM meta")
				.toArray()
				.map((r) => [r.key, r.value]),
		),
	);
	expect(meta).toMatchObject({
		kind: "group",
		groupId,
		dissolved: group?.status === 1 ? "0" : "1",
		groupMuted: group?.is_muted === 1 ? "1" : "0",
	});
	return expected;
}

const setMax = (groupId: string, max: number) =>
	env.DB.prepare("UPDATE groups SET max_members = ? WHERE id = ?").bind(max, groupId).run();

describe("group lifecycle", () => {
	it("creates a group, shows it to members and outsiders, and fills the conversation copy", async () => {
		const [owner, m1, m2, outsider] = await users(4);
		const ss = await sockets([owner, m1, m2, outsider]);
		const group = await ok("POST", "/groups", {
			token: owner.token,
			body: { name: "Tech chat", memberIds: [m1.userId, m2.userId, m1.userId, owner.userId] },
		});
		expect(group).toEqual({
			groupId: expect.any(String),
			name: "Tech chat",
			avatar: "",
			announcement: "",
			ownerId: owner.userId,
			memberCount: 3,
			maxMembers: 500,
			myRole: "owner",
			joinVerify: false,
			allowMemberInvite: true,
			isMuted: false,
			createdAt: expect.any(Number),
			updatedAt: expect.any(Number),
		});
		await allGot(
			"group.member_joined",
			{ groupId: group.groupId, inviterUserId: owner.userId, memberCount: 3 },
			ss[0]!,
			ss[1]!,
			ss[2]!,
		);
		await noneGot("group.member_joined", ss[3]!);
		const copy = await expectConversationMatchesD1(group.groupId);
		expect(copy).toHaveLength(3);

		expect((await ok("GET", `/groups/${group.groupId}`, { token: m1.token })).myRole).toBe("member");
		expect((await ok("GET", `/groups/${group.groupId}`, { token: outsider.token })).myRole).toBe("");
		const list = await ok("GET", "/groups", { token: m2.token });
		expect(list).toEqual({
			groups: [{ ...group, myRole: "member", updatedAt: expect.any(Number), isDeleted: false }],
			total: 1,
			updateTime: expect.any(Number),
		});
		expect((await ok("GET", "/groups", { token: outsider.token })).total).toBe(0);

		const members = await ok("GET", `/groups/${group.groupId}/members`, { token: m1.token });
		expect(members.total).toBe(3);
		expect(members.page).toBe(1);
		expect(members.members.find((m: any) => m.userId === owner.userId)).toEqual({
			userId: owner.userId,
			groupNickname: "",
			role: "owner",
			isMuted: false,
			joinedAt: expect.any(Number),
			userInfo: { userId: owner.userId, nickname: owner.nickname, avatar: "" },
		});
		const page2 = await ok("GET", `/groups/${group.groupId}/members?page=2&pageSize=2`, { token: m1.token });
		expect(page2).toMatchObject({ total: 3, page: 2 });
		expect(page2.members).toHaveLength(1);
		await fails("GET", `/groups/${group.groupId}/members?pageSize=101`, 400, 400, { token: m1.token });
		await fails("GET", `/groups/${group.groupId}/members`, 403, 40105, { token: outsider.token });
		await fails("GET", "/groups/no-such-group", 404, 40101, { token: m1.token });
		closeAll(ss);
	});

	it("new groups take maxMembers from group.max_members: GROUP_MAX_MEMBERS when set and valid, else 500", async () => {
		const limit = (value: string | undefined) =>
			getConfigValue({ ...env, GROUP_MAX_MEMBERS: value }, "group.max_members");
		expect(await limit("3")).toBe(3);
		expect(await limit(undefined)).toBe(500);
		expect(await limit("junk")).toBe(500);
		expect(await limit("1")).toBe(500); // below the setting's minimum of 2

		// Through the route, with the deployment variable set.
		const [owner, m1, m2, m3] = await users(4);
		const create = (members: TestUser[]) =>
			app.request(
				`${BASE}/api/v1/groups`,
				{
					method: "POST",
					headers: { Authorization: `Bearer ${owner.token}`, "Content-Type": "application/json" },
					body: JSON.stringify({ name: "small", memberIds: members.map((m) => m.userId) }),
				},
				{ ...env, GROUP_MAX_MEMBERS: "3" },
			);
		const created = await create([m1, m2]);
		expect(created.status).toBe(200);
		expect(((await created.json()) as any).data.maxMembers).toBe(3);
		const over = await create([m1, m2, m3]);
		expect(over.status).toBe(409);
		expect(((await over.json()) as any).code).toBe(40104);
		// Without the variable the built-in default applies.
		expect((await makeGroup(owner, [m1])).maxMembers).toBe(500);
	});

	it("validates creation", async () => {
		const [owner, m1] = await users(2);
		await fails("POST", "/groups", 400, 400, { token: owner.token, body: { name: "", memberIds: [m1.userId] } });
		await fails("POST", "/groups", 400, 400, {
			token: owner.token,
			body: { name: "x".repeat(101), memberIds: [m1.userId] },
		});
		await fails("POST", "/groups", 400, 400, { token: owner.token, body: { name: "g", memberIds: [] } });
		await fails("POST", "/groups", 400, 400, { token: owner.token, body: { name: "g" } });
		await fails("POST", "/groups", 400, 400, {
			token: owner.token,
			body: { name: "g", memberIds: [m1.userId], avatar: "not a url" },
		});
		const unknown = await fails("POST", "/groups", 400, 400, {
			token: owner.token,
			body: { name: "g", memberIds: [m1.userId, "00000000-0000-4000-8000-000000000000"] },
		});
		expect(unknown.body.message).toContain("memberIds");
		const many = Array.from({ length: 500 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
		await fails("POST", "/groups", 409, 40104, { token: owner.token, body: { name: "g", memberIds: many } });
	});

	it("updates information (owner/admin) and tells every member", async () => {
		const [owner, admin, member, outsider] = await users(4);
		const group = await makeGroup(owner, [admin, member], { admins: [admin] });
		const ss = await sockets([owner, admin, member, outsider]);
		const updated = await ok("PUT", `/groups/${group.groupId}`, {
			token: admin.token,
			body: { name: "Renamed", announcement: "hello all", joinVerify: true },
		});
		expect(updated).toMatchObject({ name: "Renamed", announcement: "hello all", joinVerify: true, myRole: "admin" });
		await allGot(
			"group.info_updated",
			{
				groupId: group.groupId,
				operatorUserId: admin.userId,
				updatedFields: ["name", "announcement", "joinVerify"],
				name: "Renamed",
				announcement: "hello all",
				joinVerify: true,
			},
			ss[0]!,
			ss[1]!,
			ss[2]!,
		);
		await noneGot("group.info_updated", ss[3]!);
		await fails("PUT", `/groups/${group.groupId}`, 403, 40108, { token: member.token, body: { name: "x" } });
		await fails("PUT", `/groups/${group.groupId}`, 403, 40105, { token: outsider.token, body: { name: "x" } });
		await fails("PUT", `/groups/${group.groupId}`, 400, 400, {
			token: owner.token,
			body: { announcement: "x".repeat(1001) },
		});
		await fails("PUT", `/groups/${group.groupId}`, 400, 400, { token: owner.token, body: { avatar: "nope" } });
		await fails("PUT", "/groups/missing", 404, 40101, { token: owner.token, body: { name: "x" } });
		expect(await ok("GET", `/groups/${group.groupId}`, { token: outsider.token })).toMatchObject({ name: "Renamed" });
		closeAll(ss);
	});

	it("dissolves for everyone: notifications, 404 afterwards, tombstones and an empty conversation", async () => {
		const [owner, admin, member, outsider] = await users(4);
		const group = await makeGroup(owner, [admin, member], { admins: [admin] });
		const before = nowSec() - 1;
		await fails("DELETE", `/groups/${group.groupId}`, 403, 40107, { token: admin.token });
		await fails("DELETE", `/groups/${group.groupId}`, 403, 40107, { token: member.token });
		await fails("DELETE", `/groups/${group.groupId}`, 403, 40105, { token: outsider.token });
		const ss = await sockets([owner, admin, member, outsider]);
		await ok("DELETE", `/groups/${group.groupId}`, { token: owner.token });
		await allGot(
			"group.disbanded",
			{ groupId: group.groupId, groupName: "test group", operatorUserId: owner.userId },
			ss[0]!,
			ss[1]!,
			ss[2]!,
		);
		await noneGot("group.disbanded", ss[3]!);
		expect(await expectConversationMatchesD1(group.groupId)).toEqual([]);
		await fails("GET", `/groups/${group.groupId}`, 404, 40101, { token: member.token });
		await fails("GET", `/groups/${group.groupId}/members`, 404, 40101, { token: member.token });
		await fails("POST", `/groups/${group.groupId}/join`, 404, 40101, { token: outsider.token, body: {} });
		await fails("DELETE", `/groups/${group.groupId}`, 404, 40101, { token: owner.token });
		expect((await ok("GET", "/groups", { token: member.token })).total).toBe(0);
		const inc = await ok("GET", `/groups?lastUpdateTime=${before}`, { token: member.token });
		expect(inc.groups).toEqual([expect.objectContaining({ groupId: group.groupId, isDeleted: true, myRole: "" })]);
		expect(await groupsChangedSince(env, admin.userId, before)).toEqual([
			expect.objectContaining({ groupId: group.groupId, isDeleted: true }),
		]);
		closeAll(ss);
	});
});

describe("joining", () => {
	it("joins directly when no verification is needed", async () => {
		const [owner, member, joiner, outsider] = await users(4);
		const group = await makeGroup(owner, [member]);
		const ss = await sockets([owner, member, joiner, outsider]);
		const res = await ok("POST", `/groups/${group.groupId}/join`, { token: joiner.token });
		expect(res).toEqual({ needVerify: false, requestId: 0, message: "joined the group" });
		await allGot(
			"group.member_joined",
			{ groupId: group.groupId, userIds: [joiner.userId], inviterUserId: "", memberCount: 3 },
			ss[0]!,
			ss[1]!,
			ss[2]!,
		);
		await noneGot("group.member_joined", ss[3]!);
		expect((await expectConversationMatchesD1(group.groupId)).map((m) => m.userId)).toContain(joiner.userId);
		await fails("POST", `/groups/${group.groupId}/join`, 409, 40106, { token: joiner.token, body: {} });
		await fails("POST", `/groups/${group.groupId}/join`, 400, 400, {
			token: outsider.token,
			body: { message: "x".repeat(201) },
		});
		closeAll(ss);
	});

	it("turns a join into a request that only owner/admins list and handle", async () => {
		const [owner, admin, member, applicant, outsider] = await users(5);
		const group = await makeGroup(owner, [admin, member], { joinVerify: true, admins: [admin] });
		const ss = await sockets([owner, admin, member, applicant, outsider]);
		const res = await ok("POST", `/groups/${group.groupId}/join`, {
			token: applicant.token,
			body: { message: "let me in" },
		});
		expect(res).toEqual({ needVerify: true, requestId: expect.any(Number), message: expect.any(String) });
		await allGot(
			"group.join_requested",
			{
				requestId: res.requestId,
				groupId: group.groupId,
				userId: applicant.userId,
				inviterId: "",
				message: "let me in",
			},
			ss[0]!,
			ss[1]!,
		);
		await noneGot("group.join_requested", ss[2]!, ss[3]!, ss[4]!);
		const again = await ok("POST", `/groups/${group.groupId}/join`, { token: applicant.token, body: {} });
		expect(again.requestId).toBe(res.requestId);

		await fails("GET", `/groups/${group.groupId}/requests`, 403, 40108, { token: member.token });
		await fails("GET", `/groups/${group.groupId}/requests`, 403, 40105, { token: applicant.token });
		const listed = await ok("GET", `/groups/${group.groupId}/requests`, { token: admin.token });
		expect(listed).toEqual({
			requests: [
				{
					id: res.requestId,
					groupId: group.groupId,
					userId: applicant.userId,
					inviterId: "",
					message: "let me in",
					status: "pending",
					createdAt: expect.any(Number),
					userInfo: { userId: applicant.userId, nickname: applicant.nickname, avatar: "" },
				},
			],
			total: 1,
		});
		expect((await ok("GET", `/groups/${group.groupId}/requests?status=accepted`, { token: owner.token })).total).toBe(
			0,
		);
		await fails("GET", `/groups/${group.groupId}/requests?status=odd`, 400, 400, { token: owner.token });

		const path = `/groups/${group.groupId}/requests/${res.requestId}`;
		await fails("PUT", path, 403, 40108, { token: member.token, body: { accept: true } });
		await fails("PUT", path, 403, 40105, { token: outsider.token, body: { accept: true } });
		await fails("PUT", `/groups/${group.groupId}/requests/99999999`, 404, 40113, {
			token: admin.token,
			body: { accept: true },
		});
		await fails("PUT", `/groups/${group.groupId}/requests/abc`, 400, 400, {
			token: admin.token,
			body: { accept: true },
		});
		await ok("PUT", path, { token: admin.token, body: { accept: true } });
		await allGot(
			"group.member_joined",
			{ groupId: group.groupId, userIds: [applicant.userId] },
			ss[0]!,
			ss[1]!,
			ss[2]!,
			ss[3]!,
		);
		await noneGot("group.member_joined", ss[4]!);
		await fails("PUT", path, 409, 40114, { token: admin.token, body: { accept: false } });
		expect((await ok("GET", `/groups/${group.groupId}`, { token: applicant.token })).myRole).toBe("member");
		await expectConversationMatchesD1(group.groupId);

		// Reject: a missing `accept` means reject.
		const r2 = await ok("POST", `/groups/${group.groupId}/join`, { token: outsider.token, body: {} });
		await ok("PUT", `/groups/${group.groupId}/requests/${r2.requestId}`, { token: owner.token, body: {} });
		expect((await ok("GET", `/groups/${group.groupId}`, { token: outsider.token })).myRole).toBe("");
		expect((await ok("GET", `/groups/${group.groupId}/requests?status=rejected`, { token: owner.token })).total).toBe(
			1,
		);
		closeAll(ss);
	});

	it("enforces the member limit on join, invitation and accepted requests", async () => {
		const [owner, m1, j1, j2, j3] = await users(5);
		const open = await makeGroup(owner, [m1]);
		await setMax(open.groupId, 2);
		await fails("POST", `/groups/${open.groupId}/join`, 409, 40104, { token: j1.token, body: {} });
		await fails("POST", `/groups/${open.groupId}/members`, 409, 40104, {
			token: owner.token,
			body: { userIds: [j1.userId] },
		});
		await setMax(open.groupId, 3);
		await fails("POST", `/groups/${open.groupId}/members`, 409, 40104, {
			token: owner.token,
			body: { userIds: [j1.userId, j2.userId] },
		});
		await ok("POST", `/groups/${open.groupId}/members`, { token: owner.token, body: { userIds: [j1.userId] } });
		expect((await ok("GET", `/groups/${open.groupId}`, { token: owner.token })).memberCount).toBe(3);

		const closed = await makeGroup(owner, [m1], { joinVerify: true });
		const { requestId } = await ok("POST", `/groups/${closed.groupId}/join`, { token: j3.token, body: {} });
		await setMax(closed.groupId, 2);
		await fails("PUT", `/groups/${closed.groupId}/requests/${requestId}`, 409, 40104, {
			token: owner.token,
			body: { accept: true },
		});
		const still = await ok("GET", `/groups/${closed.groupId}/requests?status=pending`, { token: owner.token });
		expect(still.total).toBe(1);
		await expectConversationMatchesD1(closed.groupId);
	});
});

describe("invitations", () => {
	it("adds invitees at once and tells every member", async () => {
		const [owner, member, a, b, outsider] = await users(5);
		const group = await makeGroup(owner, [member]);
		const ss = await sockets([owner, member, a, b, outsider]);
		const res = await ok("POST", `/groups/${group.groupId}/members`, {
			token: member.token,
			body: { userIds: [a.userId, b.userId, member.userId] },
		});
		expect(res.pending).toEqual([]);
		expect([...res.added].sort()).toEqual([a.userId, b.userId].sort());
		await allGot(
			"group.member_joined",
			{ groupId: group.groupId, inviterUserId: member.userId, memberCount: 4 },
			ss[0]!,
			ss[1]!,
			ss[2]!,
			ss[3]!,
		);
		await noneGot("group.member_joined", ss[4]!);
		await noneGot("group.invited", ss[2]!, ss[3]!);
		await expectConversationMatchesD1(group.groupId);
		await fails("POST", `/groups/${group.groupId}/members`, 403, 40105, {
			token: outsider.token,
			body: { userIds: [outsider.userId] },
		});
		await fails("POST", `/groups/${group.groupId}/members`, 400, 400, { token: owner.token, body: { userIds: [] } });
		await fails("POST", `/groups/${group.groupId}/members`, 400, 400, {
			token: owner.token,
			body: { userIds: ["00000000-0000-4000-8000-000000000000"] },
		});
		closeAll(ss);
	});

	it("obeys allowMemberInvite: members refused, admins allowed", async () => {
		const [owner, admin, member, a, b] = await users(5);
		const group = await makeGroup(owner, [admin, member], { allowMemberInvite: false, admins: [admin] });
		await fails("POST", `/groups/${group.groupId}/members`, 403, 40108, {
			token: member.token,
			body: { userIds: [a.userId] },
		});
		await ok("POST", `/groups/${group.groupId}/members`, { token: admin.token, body: { userIds: [a.userId] } });
		await ok("PUT", `/groups/${group.groupId}`, { token: owner.token, body: { allowMemberInvite: true } });
		await ok("POST", `/groups/${group.groupId}/members`, { token: member.token, body: { userIds: [b.userId] } });
		expect((await ok("GET", `/groups/${group.groupId}`, { token: owner.token })).memberCount).toBe(5);
	});

	it("turns an invitation into a joinVerify group into a pending request", async () => {
		const [owner, admin, member, invitee, outsider] = await users(5);
		const group = await makeGroup(owner, [admin, member], { joinVerify: true, admins: [admin] });
		const ss = await sockets([owner, admin, member, invitee, outsider]);
		const res = await ok("POST", `/groups/${group.groupId}/members`, {
			token: member.token,
			body: { userIds: [invitee.userId] },
		});
		expect(res).toEqual({ added: [], pending: [invitee.userId] });
		const [inv] = await ss[3]!.waitForNotification("group.invited");
		expect(inv!.payload.data).toMatchObject({
			groupId: group.groupId,
			groupName: "test group",
			inviterUserId: member.userId,
			requestId: expect.any(Number),
		});
		await noneGot("group.invited", ss[0]!, ss[1]!, ss[2]!, ss[4]!);
		await allGot(
			"group.join_requested",
			{ groupId: group.groupId, userId: invitee.userId, inviterId: member.userId },
			ss[0]!,
			ss[1]!,
		);
		await noneGot("group.join_requested", ss[2]!, ss[3]!, ss[4]!);
		// A second invitation does not pile up another request.
		await ok("POST", `/groups/${group.groupId}/members`, { token: admin.token, body: { userIds: [invitee.userId] } });
		const listed = await ok("GET", `/groups/${group.groupId}/requests`, { token: owner.token });
		expect(listed.requests).toEqual([expect.objectContaining({ userId: invitee.userId, inviterId: member.userId })]);
		// The invitee's own join returns the pending invitation.
		const join = await ok("POST", `/groups/${group.groupId}/join`, { token: invitee.token, body: {} });
		expect(join).toMatchObject({ needVerify: true, requestId: inv!.payload.data.requestId });
		await ok("PUT", `/groups/${group.groupId}/requests/${join.requestId}`, {
			token: owner.token,
			body: { accept: true },
		});
		expect((await ok("GET", `/groups/${group.groupId}`, { token: invitee.token })).myRole).toBe("member");
		await expectConversationMatchesD1(group.groupId);
		closeAll(ss);
	});
});

describe("roles and removal", () => {
	it("lets admins remove members but not admins or the owner", async () => {
		const [owner, admin, admin2, member, member2, outsider] = await users(6);
		const group = await makeGroup(owner, [admin, admin2, member, member2], { admins: [admin, admin2] });
		const g = group.groupId;
		await fails("DELETE", `/groups/${g}/members/${member2.userId}`, 403, 40108, { token: member.token });
		await fails("DELETE", `/groups/${g}/members/${owner.userId}`, 403, 40108, { token: member.token });
		await fails("DELETE", `/groups/${g}/members/${admin2.userId}`, 403, 40110, { token: admin.token });
		await fails("DELETE", `/groups/${g}/members/${admin.userId}`, 403, 40110, { token: admin.token });
		await fails("DELETE", `/groups/${g}/members/${owner.userId}`, 403, 40109, { token: admin.token });
		await fails("DELETE", `/groups/${g}/members/${owner.userId}`, 403, 40109, { token: owner.token });
		await fails("DELETE", `/groups/${g}/members/${outsider.userId}`, 403, 40105, { token: admin.token });
		await fails("DELETE", `/groups/${g}/members/${member.userId}`, 403, 40105, { token: outsider.token });

		const ss = await sockets([owner, admin, admin2, member, member2, outsider]);
		await ok("DELETE", `/groups/${g}/members/${member.userId}`, { token: admin.token });
		await allGot(
			"group.member_left",
			{ groupId: g, userId: member.userId, operatorUserId: admin.userId, reason: "removed_by_admin", memberCount: 4 },
			ss[0]!,
			ss[1]!,
			ss[2]!,
			ss[3]!,
			ss[4]!,
		);
		await noneGot("group.member_left", ss[5]!);
		expect((await expectConversationMatchesD1(g)).map((m) => m.userId)).not.toContain(member.userId);
		await fails("GET", `/groups/${g}/members`, 403, 40105, { token: member.token });

		await ok("DELETE", `/groups/${g}/members/${admin2.userId}`, { token: owner.token });
		expect((await ok("GET", `/groups/${g}`, { token: owner.token })).memberCount).toBe(3);
		await expectConversationMatchesD1(g);

		// A removed member can come back as a fresh member.
		await ok("POST", `/groups/${g}/join`, { token: admin2.token, body: {} });
		const back = await ok("GET", `/groups/${g}/members?pageSize=100`, { token: owner.token });
		expect(back.members.find((m: any) => m.userId === admin2.userId).role).toBe("member");
		await expectConversationMatchesD1(g);
		closeAll(ss);
	});

	it("sets roles (owner only) and tells every member", async () => {
		const [owner, admin, member, outsider] = await users(4);
		const group = await makeGroup(owner, [admin, member], { admins: [admin] });
		const g = group.groupId;
		const path = (u: TestUser) => `/groups/${g}/members/${u.userId}/role`;
		await fails("PUT", path(member), 403, 40107, { token: admin.token, body: { role: "admin" } });
		await fails("PUT", path(member), 403, 40107, { token: member.token, body: { role: "admin" } });
		await fails("PUT", path(member), 403, 40105, { token: outsider.token, body: { role: "admin" } });
		await fails("PUT", path(outsider), 403, 40105, { token: owner.token, body: { role: "admin" } });
		await fails("PUT", path(owner), 403, 40107, { token: owner.token, body: { role: "member" } });
		await fails("PUT", path(member), 400, 400, { token: owner.token, body: { role: "owner" } });
		const ss = await sockets([owner, admin, member, outsider]);
		await ok("PUT", path(member), { token: owner.token, body: { role: "admin" } });
		await allGot(
			"group.role_changed",
			{ groupId: g, userId: member.userId, oldRole: "member", newRole: "admin", operatorUserId: owner.userId },
			ss[0]!,
			ss[1]!,
			ss[2]!,
		);
		await noneGot("group.role_changed", ss[3]!);
		expect((await ok("GET", `/groups/${g}`, { token: member.token })).myRole).toBe("admin");
		// Setting the same role again succeeds without another event.
		await ok("PUT", path(member), { token: owner.token, body: { role: "admin" } });
		await roundTrip(ss[0]!);
		expect(ss[0]!.notifications("group.role_changed")).toHaveLength(1);
		expect((await ok("GET", `/groups/${g}/members`, { token: owner.token })).members).toHaveLength(3);
		await expectConversationMatchesD1(g);
		closeAll(ss);
	});

	it("transfers ownership; the old owner becomes an admin and may then quit", async () => {
		const [owner, member, other, outsider] = await users(4);
		const group = await makeGroup(owner, [member, other]);
		const g = group.groupId;
		await fails("POST", `/groups/${g}/transfer`, 403, 40107, {
			token: member.token,
			body: { newOwnerId: other.userId },
		});
		await fails("POST", `/groups/${g}/transfer`, 403, 40105, {
			token: owner.token,
			body: { newOwnerId: outsider.userId },
		});
		await fails("POST", `/groups/${g}/transfer`, 400, 400, { token: owner.token, body: {} });
		await ok("POST", `/groups/${g}/transfer`, { token: owner.token, body: { newOwnerId: owner.userId } });
		const ss = await sockets([owner, member, other, outsider]);
		await ok("POST", `/groups/${g}/transfer`, { token: owner.token, body: { newOwnerId: member.userId } });
		for (const s of ss.slice(0, 3)) {
			const frames = await s.waitForNotification("group.role_changed", 2);
			expect(frames.map((f) => f.payload.data)).toEqual(
				expect.arrayContaining([
					expect.objectContaining({ userId: member.userId, oldRole: "member", newRole: "owner" }),
					expect.objectContaining({ userId: owner.userId, oldRole: "owner", newRole: "admin" }),
				]),
			);
		}
		await noneGot("group.role_changed", ss[3]!);
		const info = await ok("GET", `/groups/${g}`, { token: owner.token });
		expect(info).toMatchObject({ ownerId: member.userId, myRole: "admin" });
		await expectConversationMatchesD1(g);
		await fails("POST", `/groups/${g}/quit`, 403, 40116, { token: member.token });
		await ok("POST", `/groups/${g}/quit`, { token: owner.token });
		await expectConversationMatchesD1(g);
		closeAll(ss);
	});
});

describe("leaving, nicknames and mute", () => {
	it("lets members quit, refuses the owner while others remain, dissolves when the owner is alone", async () => {
		const [owner, member, other, outsider] = await users(4);
		const group = await makeGroup(owner, [member, other]);
		const g = group.groupId;
		const before = nowSec() - 1;
		await fails("POST", `/groups/${g}/quit`, 403, 40116, { token: owner.token });
		await fails("POST", `/groups/${g}/quit`, 403, 40105, { token: outsider.token });
		const ss = await sockets([owner, member, other, outsider]);
		await ok("POST", `/groups/${g}/quit`, { token: member.token });
		await allGot(
			"group.member_left",
			{ groupId: g, userId: member.userId, operatorUserId: member.userId, reason: "self_quit", memberCount: 2 },
			ss[0]!,
			ss[1]!,
			ss[2]!,
		);
		await noneGot("group.member_left", ss[3]!);
		expect(await expectConversationMatchesD1(g)).toHaveLength(2);
		const inc = await ok("GET", `/groups?lastUpdateTime=${before}`, { token: member.token });
		expect(inc.groups).toEqual([expect.objectContaining({ groupId: g, isDeleted: true })]);
		expect((await ok("GET", "/groups", { token: member.token })).total).toBe(0);

		await ok("DELETE", `/groups/${g}/members/${other.userId}`, { token: owner.token });
		await ok("POST", `/groups/${g}/quit`, { token: owner.token });
		await ss[0]!.waitForNotification("group.disbanded");
		await noneGot("group.disbanded", ss[1]!, ss[2]!, ss[3]!);
		await fails("GET", `/groups/${g}`, 404, 40101, { token: owner.token });
		expect(await expectConversationMatchesD1(g)).toEqual([]);
		closeAll(ss);
	});

	it("sets my group nickname", async () => {
		const [owner, member, outsider] = await users(3);
		const group = await makeGroup(owner, [member]);
		const g = group.groupId;
		const before = nowSec() - 1;
		await ok("PUT", `/groups/${g}/nickname`, { token: member.token, body: { nickname: "Bobby" } });
		const list = await ok("GET", `/groups/${g}/members`, { token: owner.token });
		expect(list.members.find((m: any) => m.userId === member.userId).groupNickname).toBe("Bobby");
		expect(list.members.find((m: any) => m.userId === owner.userId).groupNickname).toBe("");
		expect((await ok("GET", `/groups?lastUpdateTime=${before}`, { token: member.token })).total).toBe(1);
		await fails("PUT", `/groups/${g}/nickname`, 403, 40105, { token: outsider.token, body: { nickname: "x" } });
		await fails("PUT", `/groups/${g}/nickname`, 400, 400, { token: member.token, body: { nickname: "x".repeat(51) } });
		await fails("PUT", `/groups/${g}/nickname`, 400, 400, { token: member.token, body: {} });
		await ok("PUT", `/groups/${g}/nickname`, { token: member.token, body: { nickname: "" } });
	});

	it("mutes members and the whole group (owner/admin), keeping the conversation copy equal", async () => {
		const [owner, admin, admin2, member, outsider] = await users(5);
		const group = await makeGroup(owner, [admin, admin2, member], { admins: [admin, admin2] });
		const g = group.groupId;
		const path = (u: TestUser) => `/groups/${g}/members/${u.userId}/mute`;
		await fails("PUT", path(admin), 403, 40108, { token: member.token, body: { muted: true } });
		await fails("PUT", `/groups/${g}/mute`, 403, 40108, { token: member.token, body: { muted: true } });
		await fails("PUT", `/groups/${g}/mute`, 403, 40105, { token: outsider.token, body: { muted: true } });
		await fails("PUT", path(admin2), 403, 40110, { token: admin.token, body: { muted: true } });
		await fails("PUT", path(owner), 403, 40109, { token: admin.token, body: { muted: true } });
		await fails("PUT", path(outsider), 403, 40105, { token: admin.token, body: { muted: true } });
		await fails("PUT", path(member), 400, 400, { token: admin.token, body: {} });
		const ss = await sockets([owner, admin, admin2, member, outsider]);
		await ok("PUT", path(member), { token: admin.token, body: { muted: true } });
		await allGot(
			"group.muted",
			{ groupId: g, userId: member.userId, isMuted: true, operatorUserId: admin.userId },
			ss[0]!,
			ss[1]!,
			ss[2]!,
			ss[3]!,
		);
		await noneGot("group.muted", ss[4]!);
		const copy = await expectConversationMatchesD1(g);
		expect(copy.find((m) => m.userId === member.userId)!.muted).toBe(true);
		const members = await ok("GET", `/groups/${g}/members`, { token: member.token });
		expect(members.members.find((m: any) => m.userId === member.userId).isMuted).toBe(true);

		await ok("PUT", `/groups/${g}/mute`, { token: owner.token, body: { muted: true } });
		for (const s of ss.slice(0, 4)) await s.waitForNotification("group.muted", 2);
		expect((await ok("GET", `/groups/${g}`, { token: member.token })).isMuted).toBe(true);
		await expectConversationMatchesD1(g);
		await ok("PUT", path(admin2), { token: owner.token, body: { muted: true } });
		await expectConversationMatchesD1(g);
		closeAll(ss);
	});
});

describe("paths without their ID", () => {
	it("answer 405 naming the missing ID", async () => {
		const [owner, m1] = await users(2);
		const { groupId } = await makeGroup(owner, [m1]);
		const member = await fails("DELETE", `/groups/${groupId}/members`, 405, 405, { token: owner.token });
		expect(member.body.message).toBe(
			`DELETE /api/v1/groups/${groupId}/members is missing the member's user ID: use DELETE /api/v1/groups/${groupId}/members/{userId}`,
		);
		expect(member.headers.get("Allow")).toBe("GET, POST");
		const request = await fails("PUT", `/groups/${groupId}/requests`, 405, 405, {
			token: owner.token,
			body: { action: "approve" },
		});
		expect(request.body.message).toContain("missing the join request ID");
		const group = await fails("DELETE", "/groups", 405, 405, { token: owner.token });
		expect(group.body.message).toContain("missing the group ID: use DELETE /api/v1/groups/{id}");
		expect((await ok("GET", `/groups/${groupId}/members`, { token: owner.token })).total).toBe(2);
	});
});
