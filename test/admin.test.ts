import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addMessageCount } from "../db/stats";
import { app } from "../workers/app";
import { operations } from "../workers/lib/openapi";
import { verifyPassword } from "../workers/lib/password";
import { ensureBootstrapAdmin } from "../workers/services/admin-auth";
import { BASE, call, fails, ok } from "./fixtures/api";
import { makeGroup } from "./fixtures/social";
import { loginDevice, PASSWORD, registerUser } from "./fixtures/users";
import { connect } from "./fixtures/ws";

/** The documented development password of the bootstrap admin (vitest.config.ts supplies it as `npm start` does). */
const DEV_ADMIN_PASSWORD = "Admin@123456";
let n = 0;
const uniqueName = (p: string) => `${p}${Date.now().toString(36)}${n++}`;

const login = async (username: string, password: string) =>
	(await ok("POST", "/admin/auth/login", { body: { username, password } })).token as string;
const superToken = () => login("admin", DEV_ADMIN_PASSWORD);

async function makeAdmin(role: "admin" | "operator" | "superadmin") {
	const username = uniqueName(role);
	const created = await ok("POST", "/admin/admins", {
		token: await superToken(),
		body: { username, password: "Str0ngPass", role },
	});
	return { ...created, token: await login(username, "Str0ngPass") };
}

describe("admin auth and roles", () => {
	it("bootstrap admin logs in; tokens are separate from user tokens both ways", async () => {
		const res = await ok("POST", "/admin/auth/login", { body: { username: "admin", password: DEV_ADMIN_PASSWORD } });
		expect(res).toMatchObject({ username: "admin", role: "superadmin", expiresIn: 28800 });
		const user = await registerUser();
		await fails("GET", "/admin/users", 401, 12105, { token: user.token });
		await fails("GET", "/admin/users", 401, 12105);
		await fails("GET", "/users/me", 401, 10109, { token: res.token });
		await fails("POST", "/admin/auth/login", 401, 12104, { body: { username: "admin", password: "Wrong0ne!" } });
		await fails("POST", "/admin/auth/login", 401, 12104, { body: { username: "nobody-here", password: "x" } });
		await fails("POST", "/admin/auth/login", 400, 400, { body: { username: "admin" } });
		const audit = await ok("GET", "/admin/audit-logs?action=auth.login&pageSize=1", { token: res.token });
		expect(audit.list[0]).toMatchObject({ action: "auth.login", adminId: res.adminId, adminUsername: "admin" });
	});

	it("logout ends the admin token at once", async () => {
		const token = await superToken();
		await ok("POST", "/admin/auth/logout", { token });
		await fails("GET", "/admin/stats/overview", 401, 12105, { token });
	});

	it("superadmins manage admins; admins write; operators only read", async () => {
		const sup = await superToken();
		const adm = await makeAdmin("admin");
		const op = await makeAdmin("operator");
		expect(op.role).toBe("operator");
		const user = await registerUser();
		// Operators read everything, write nothing.
		await ok("GET", "/admin/users", { token: op.token });
		await ok("GET", "/admin/config", { token: op.token });
		await ok("GET", "/admin/admins", { token: op.token });
		await fails("POST", `/admin/users/${user.userId}/ban`, 403, 12106, { token: op.token });
		await fails("POST", `/admin/users/${user.userId}/unban`, 403, 12106, { token: op.token });
		await fails("DELETE", "/admin/groups/any", 403, 12106, { token: op.token });
		// Admins write but do not manage admins or config.
		await fails("PUT", "/admin/config/site.name", 403, 12106, { token: adm.token, body: { value: "X" } });
		await fails("POST", "/admin/admins", 403, 12106, {
			token: adm.token,
			body: { username: uniqueName("x"), password: "Str0ngPass" },
		});
		await fails("PUT", `/admin/admins/${op.adminId}/status`, 403, 12106, { token: adm.token, body: { status: 0 } });

		// Validation of new admins.
		await fails("POST", "/admin/admins", 409, 12103, {
			token: sup,
			body: { username: op.username, password: "Str0ngPass" },
		});
		await fails("POST", "/admin/admins", 400, 10103, {
			token: sup,
			body: { username: uniqueName("w"), password: "weak" },
		});
		await fails("POST", "/admin/admins", 400, 400, {
			token: sup,
			body: { username: uniqueName("r"), password: "Str0ngPass", role: "king" },
		});
		const legacy = await ok("POST", "/admin/admins", {
			token: sup,
			body: { username: uniqueName("ro"), password: "Str0ngPass", role: "readonly" },
		});
		expect(legacy.role).toBe("operator");

		// Disabling takes effect at once, for the token and for login.
		const disabled = await ok("PUT", `/admin/admins/${op.adminId}/status`, { token: sup, body: { status: 0 } });
		expect(disabled.status).toBe(0);
		await fails("GET", "/admin/users", 403, 12102, { token: op.token });
		await fails("POST", "/admin/auth/login", 403, 12102, { body: { username: op.username, password: "Str0ngPass" } });
		await ok("PUT", `/admin/admins/${op.adminId}/status`, { token: sup, body: { status: 1 } });
		await ok("GET", "/admin/users", { token: op.token });
		await fails("PUT", `/admin/admins/${crypto.randomUUID()}/status`, 404, 12101, { token: sup, body: { status: 1 } });
		await fails("PUT", `/admin/admins/${op.adminId}/status`, 400, 400, { token: sup, body: { status: 2 } });
		const me = (await ok("GET", "/admin/admins?pageSize=100", { token: sup })).list.find(
			(a: any) => a.username === "admin",
		);
		await fails("PUT", `/admin/admins/${me.adminId}/status`, 400, 400, { token: sup, body: { status: 0 } });

		const list = await ok("GET", "/admin/admins?pageSize=2", { token: sup });
		expect(list).toMatchObject({ page: 1, pageSize: 2 });
		expect(list.total).toBeGreaterThanOrEqual(4);
		expect(list.list[0]).not.toHaveProperty("passwordHash");
		const audit = await ok("GET", `/admin/audit-logs?action=admin.status&resourceId=${op.adminId}`, { token: sup });
		expect(audit.total).toBe(2);
	});
});

describe("admin users", () => {
	it("ban closes the live socket, refuses the token and login until unban", async () => {
		const sup = await superToken();
		const user = await registerUser();
		const second = await loginDevice(user, "second-device");
		const [s1, s2] = await Promise.all([connect(user.token), connect(second.token)]);
		await ok("POST", `/admin/users/${user.userId}/ban`, { token: sup, body: { reason: "spam" } });
		for (const s of [s1, s2]) {
			const closed = await s.waitForClose();
			expect(closed.code).toBe(4003);
			const types = s.frames.map((f) => f.payload?.notificationType);
			expect(types.indexOf("admin.user_banned")).toBeGreaterThanOrEqual(0);
			expect(types.indexOf("admin.user_banned")).toBeLessThan(types.indexOf("auth.force_logout"));
			expect(s.notifications("auth.force_logout")[0]!.payload.data.reason).toBe("banned");
			expect(s.notifications("admin.user_banned")[0]!.payload.data).toMatchObject({
				userId: user.userId,
				reason: "spam",
			});
		}
		const refused = await call("GET", "/users/me", { token: user.token });
		expect(refused.status).toBe(401);
		const login = { account: user.email, password: PASSWORD, deviceType: "Web", deviceId: "d3", clientVersion: "1" };
		await fails("POST", "/auth/login", 403, 10106, { body: login });
		const detail = await ok("GET", `/admin/users/${user.userId}`, { token: sup });
		expect(detail).toMatchObject({ userId: user.userId, status: 2, email: user.email });

		await ok("POST", `/admin/users/${user.userId}/unban`, { token: sup });
		const back = await ok("POST", "/auth/login", { body: login });
		await ok("GET", "/users/me", { token: back.accessToken });

		const log = await ok("GET", `/admin/audit-logs?resourceId=${user.userId}`, { token: sup });
		expect(log.list.map((l: any) => l.action)).toEqual(["user.unban", "user.ban"]);
		expect(log.list[1]).toMatchObject({ resourceType: "user", details: { reason: "spam" } });
		expect(log.list[1].createdAt).toBeGreaterThan(0);
		await fails("POST", `/admin/users/${crypto.randomUUID()}/ban`, 404, 10104, { token: sup });
		await fails("POST", `/admin/users/${crypto.randomUUID()}/unban`, 404, 10104, { token: sup });
		await fails("GET", `/admin/users/${crypto.randomUUID()}`, 404, 10104, { token: sup });
	});

	it("searches users by keyword with paging and status filter", async () => {
		const sup = await superToken();
		const u = await registerUser({ nickname: uniqueName("findme") });
		const found = await ok("GET", `/admin/users?keyword=${encodeURIComponent(u.nickname)}`, { token: sup });
		expect(found).toMatchObject({ total: 1, page: 1, pageSize: 20 });
		expect(found.list[0]).toMatchObject({ userId: u.userId, nickname: u.nickname, status: 1, phone: "" });
		expect((await ok("GET", `/admin/users?keyword=${u.userId}`, { token: sup })).total).toBe(1);
		const all = await ok("GET", "/admin/users?pageSize=1", { token: sup });
		expect(all.list).toHaveLength(1);
		expect(all.total).toBeGreaterThanOrEqual(1);
		expect((await ok("GET", `/admin/users?keyword=${u.userId}&status=2`, { token: sup })).total).toBe(0);
		await fails("GET", "/admin/users?pageSize=500", 400, 400, { token: sup });
		await fails("GET", "/admin/users?status=9", 400, 400, { token: sup });
	});
});

describe("admin groups, stats, config", () => {
	it("dissolving a group notifies its members and hides it", async () => {
		const sup = await superToken();
		const owner = await registerUser();
		const member = await registerUser();
		const { groupId } = await makeGroup(owner, [member], { name: "Club" });
		const conv = env.CONVERSATION.getByName(`conv:${groupId}`);
		expect(await conv.members()).toHaveLength(2);
		const g = await ok("GET", `/admin/groups/${groupId}`, { token: sup });
		expect(g).toMatchObject({
			groupId,
			name: "Club",
			ownerId: owner.userId,
			memberCount: 2,
			status: 1,
			isMuted: false,
		});
		const s = await connect(member.token);
		await ok("DELETE", `/admin/groups/${groupId}`, { token: sup });
		const note = await s.waitForNotification("group.disbanded");
		expect(note[0]!.payload.data).toMatchObject({ groupId, groupName: "Club" });
		s.close();
		// The Conversation object's member copy follows D1: nobody can send to the group any more.
		expect(await conv.members()).toEqual([]);
		await fails("GET", `/admin/groups/${groupId}`, 404, 40101, { token: sup });
		await fails("DELETE", `/admin/groups/${groupId}`, 404, 40101, { token: sup });
		const log = await ok("GET", `/admin/audit-logs?action=group.dissolve&resourceType=group&resourceId=${groupId}`, {
			token: sup,
		});
		expect(log.total).toBe(1);
	});

	it("stats overview counts users, bans, groups, messages and online users", async () => {
		const sup = await superToken();
		const online = await registerUser();
		const s = await connect(online.token);
		const banned = await registerUser();
		await ok("POST", `/admin/users/${banned.userId}/ban`, { token: sup });
		await addMessageCount(env, 5);
		await addMessageCount(env, 2);
		await addMessageCount(env, 4, "2001-01-01");
		const stats = await ok("GET", "/admin/stats/overview", { token: sup });
		const db = (sql: string) =>
			env.DB.prepare(sql)
				.first<{ n: number }>()
				.then((r) => r!.n);
		expect(stats).toMatchObject({
			totalUsers: await db("SELECT COUNT(*) AS n FROM users"),
			bannedUsers: await db("SELECT COUNT(*) AS n FROM users WHERE status = 2"),
			totalGroups: await db("SELECT COUNT(*) AS n FROM groups WHERE status = 1"),
			messagesToday: await db(
				`SELECT count AS n FROM daily_message_counts WHERE day = '${new Date().toISOString().slice(0, 10)}'`,
			),
		});
		expect(stats.bannedUsers).toBeGreaterThanOrEqual(1);
		expect(stats.messagesToday).toBeGreaterThanOrEqual(7);
		expect(stats.totalMessages).toBeGreaterThanOrEqual(stats.messagesToday + 4);
		expect(stats.onlineUsers).toBeGreaterThanOrEqual(1);
		s.close();
		await s.waitForClose();
	});

	it("config: validated keys, superadmin only, applied without redeploy", async () => {
		const sup = await superToken();
		const cfg = await ok("GET", "/admin/config", { token: sup });
		const keys = cfg.list.map((i: any) => i.key);
		expect(keys).toEqual(expect.arrayContaining(["group.max_members", "message.max_recall", "call.ring_timeout"]));
		expect(cfg.list.find((i: any) => i.key === "message.max_recall")).toMatchObject({ value: "120", updatedAt: 0 });
		await fails("PUT", "/admin/config/no.such.key", 404, 12107, { token: sup, body: { value: "1" } });
		const bad = await fails("PUT", "/admin/config/group.max_members", 400, 400, {
			token: sup,
			body: { value: "lots" },
		});
		expect(bad.body.message).toContain("group.max_members");
		await fails("PUT", "/admin/config/call.ring_timeout", 400, 400, { token: sup, body: { value: "5" } });
		await fails("PUT", "/admin/config/site.name", 400, 400, { token: sup, body: {} });
		const updated = await ok("PUT", "/admin/config/call.ring_timeout", { token: sup, body: { value: "30" } });
		expect(updated).toMatchObject({ key: "call.ring_timeout", value: "30" });
		expect(updated.updatedAt).toBeGreaterThan(0);

		// The running backend uses the new ring timeout for the next call.
		const a = await registerUser();
		const b = await registerUser();
		const created = await ok("POST", "/rtc/calls", { token: a.token, body: { calleeId: b.userId } });
		const alarm = await runInDurableObject(env.CALL_TIMER.getByName(`call:${created.callId}`), (_i, state) =>
			state.storage.getAlarm(),
		);
		expect(alarm).toBe((created.call.createdAt + 30) * 1000);
		await ok("PUT", "/admin/config/call.ring_timeout", { token: sup, body: { value: "60" } });
		const log = await ok("GET", "/admin/audit-logs?action=config.update&resourceId=call.ring_timeout", { token: sup });
		expect(log.list[0].details).toEqual({ value: "60", previous: "30" });
	});

	it("group.max_members set through the admin API applies to the next created group, over GROUP_MAX_MEMBERS", async () => {
		const sup = await superToken();
		const [owner, m1, m2, m3] = await Promise.all([registerUser(), registerUser(), registerUser(), registerUser()]);
		expect((await makeGroup(owner, [m1])).maxMembers).toBe(500);
		const before = await ok("GET", "/admin/config", { token: sup });
		expect(before.list.find((i: any) => i.key === "group.max_members")).toMatchObject({ value: "500" });
		await ok("PUT", "/admin/config/group.max_members", { token: sup, body: { value: "3" } });
		try {
			const small = await makeGroup(owner, [m1, m2]);
			expect(small.maxMembers).toBe(3);
			expect((await ok("GET", `/groups/${small.groupId}`, { token: m1.token })).maxMembers).toBe(3);
			// The limit is enforced on the new group: a fourth member is refused.
			await fails("POST", `/groups/${small.groupId}/members`, 409, 40104, {
				token: owner.token,
				body: { userIds: [m3.userId] },
			});
			await fails("POST", "/groups", 409, 40104, {
				token: owner.token,
				body: { name: "too big", memberIds: [m1.userId, m2.userId, m3.userId] },
			});
			// A stored value wins over the deployment variable.
			const viaEnv = await app.request(
				`${BASE}/api/v1/groups`,
				{
					method: "POST",
					headers: { Authorization: `Bearer ${owner.token}`, "Content-Type": "application/json" },
					body: JSON.stringify({ name: "env", memberIds: [m1.userId] }),
				},
				{ ...env, GROUP_MAX_MEMBERS: "50" },
			);
			expect(((await viaEnv.json()) as any).data.maxMembers).toBe(3);
		} finally {
			// Storage is per test, but this isolate's config cache is not: put the default back.
			await ok("PUT", "/admin/config/group.max_members", { token: sup, body: { value: "500" } });
		}
	});

	it("audit log pages and filters by time", async () => {
		const sup = await superToken();
		const page = await ok("GET", "/admin/audit-logs?pageSize=1&page=1", { token: sup });
		expect(page).toMatchObject({ page: 1, pageSize: 1 });
		expect(page.list).toHaveLength(1);
		expect(page.total).toBeGreaterThanOrEqual(1);
		expect((await ok("GET", "/admin/audit-logs?endTime=1", { token: sup })).total).toBe(0);
		await fails("GET", "/admin/audit-logs?startTime=abc", 400, 400, { token: sup });
	});
});

describe("admin bootstrap", () => {
	it("without ADMIN_BOOTSTRAP_PASSWORD no admin is created (production or not); with it, superadmin admin", async () => {
		await env.DB.prepare("DELETE FROM admin_users").run();
		await ensureBootstrapAdmin({ ...env, ENVIRONMENT: "production", ADMIN_BOOTSTRAP_PASSWORD: undefined });
		await ensureBootstrapAdmin({ ...env, ENVIRONMENT: "development", ADMIN_BOOTSTRAP_PASSWORD: undefined });
		expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM admin_users").first("n")).toBe(0);
		await ensureBootstrapAdmin({ ...env, ENVIRONMENT: "production", ADMIN_BOOTSTRAP_PASSWORD: "Chosen#Pass9" });
		const row = await env.DB.prepare("SELECT * FROM admin_users").first<{
			username: string;
			role: string;
			password_hash: string;
		}>();
		expect(row).toMatchObject({ username: "admin", role: "superadmin" });
		expect(await verifyPassword("Chosen#Pass9", row!.password_hash)).toBe(true);
		expect(await verifyPassword(DEV_ADMIN_PASSWORD, row!.password_hash)).toBe(false);
	});
});

describe("admin route table", () => {
	it("serves every upstream admin operation (15), documented, with its auth kind", () => {
		const byKey = new Map(operations(app.routes).map((o) => [`${o.method} ${o.path}`, o]));
		for (const op of [
			"POST /admin/auth/login",
			"POST /admin/auth/logout",
			"GET /admin/users",
			"GET /admin/users/:userId",
			"POST /admin/users/:userId/ban",
			"POST /admin/users/:userId/unban",
			"GET /admin/groups/:groupId",
			"DELETE /admin/groups/:groupId",
			"GET /admin/stats/overview",
			"GET /admin/audit-logs",
			"GET /admin/config",
			"PUT /admin/config/:key",
			"GET /admin/admins",
			"POST /admin/admins",
			"PUT /admin/admins/:adminId/status",
		]) {
			const [method, path] = op.split(" ");
			const found = byKey.get(`${method} /api/v1${path}`);
			expect(found, op).toBeDefined();
			expect(found!.summary, op).toBeTruthy();
			expect(found!.auth, op).toBe(op === "POST /admin/auth/login" ? undefined : "admin");
		}
	});
});
