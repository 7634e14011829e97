import { env, runDurableObjectAlarm } from "cloudflare:test";
import { decodeJwt, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { app } from "../workers/app";
import { operations } from "../workers/lib/openapi";
import { fails, ok } from "./fixtures/api";
import { registerUser, type TestUser } from "./fixtures/users";
import { connect } from "./fixtures/ws";

async function livekitSecret(): Promise<Uint8Array> {
	// Development mode: the secret was generated into dev_secrets on first use (no secret in code).
	const row = await env.DB.prepare("SELECT value FROM dev_secrets WHERE name = 'livekit'").first<{ value: string }>();
	return new TextEncoder().encode(row!.value);
}

const startCall = (caller: TestUser, callee: TestUser, callType: unknown = "video") =>
	ok("POST", "/rtc/calls", { token: caller.token, body: { calleeId: callee.userId, callType } });

describe("calls", () => {
	it("ring, answer, hang up: notifications to both sides and valid LiveKit grants", async () => {
		const a = await registerUser();
		const b = await registerUser();
		const [sa, sb] = await Promise.all([connect(a.token), connect(b.token)]);
		const created = await startCall(a, b);
		expect(created).toMatchObject({
			callId: expect.any(String),
			roomName: `call_${created.callId}`,
			livekitUrl: "ws://localhost:7880",
			call: { status: "ringing", callType: "video", callerId: a.userId, calleeId: b.userId, connectedAt: 0 },
		});
		const { payload, protectedHeader } = await jwtVerify(created.token, await livekitSecret(), {
			algorithms: ["HS256"],
		});
		expect(protectedHeader.alg).toBe("HS256");
		expect(payload).toMatchObject({
			iss: "devkey",
			sub: a.userId,
			video: { roomJoin: true, room: created.roomName, roomAdmin: true },
		});
		expect(payload.exp! - payload.nbf!).toBe(7200);

		const invite = await sb.waitForNotification("livekit.call_invite");
		expect(invite[0]!.payload.data).toEqual({
			callId: created.callId,
			callerId: a.userId,
			callType: "video",
			roomName: created.roomName,
		});

		const joined = await ok("POST", `/rtc/calls/${created.callId}/join`, { token: b.token });
		expect(joined.call.status).toBe("connected");
		expect(joined.call.connectedAt).toBeGreaterThan(0);
		const calleeGrant = decodeJwt(joined.token);
		expect(calleeGrant).toMatchObject({
			sub: b.userId,
			video: { roomJoin: true, room: created.roomName, roomAdmin: false },
		});
		await jwtVerify(joined.token, await livekitSecret());
		for (const s of [sa, sb]) {
			const st = await s.waitForNotification("livekit.call_status");
			expect(st[0]!.payload.data).toMatchObject({ callId: created.callId, status: "connected" });
		}
		// Second answer: no longer ringing.
		await fails("POST", `/rtc/calls/${created.callId}/join`, 409, 90104, { token: b.token });

		await ok("POST", `/rtc/calls/${created.callId}/end`, { token: a.token });
		for (const s of [sa, sb]) {
			const st = await s.waitForNotification("livekit.call_status", 2);
			expect(st[1]!.payload.data).toMatchObject({ callId: created.callId, status: "ended" });
		}
		const info = await ok("GET", `/rtc/calls/${created.callId}`, { token: b.token });
		expect(info).toMatchObject({ status: "ended", callType: "video" });
		expect(info.endedAt).toBeGreaterThanOrEqual(info.connectedAt);
		expect(info.duration).toBe(info.endedAt - info.connectedAt);
		// Ending again is a no-op.
		await ok("POST", `/rtc/calls/${created.callId}/end`, { token: b.token });
		expect((await ok("GET", `/rtc/calls/${created.callId}`, { token: a.token })).status).toBe("ended");
		sa.close();
		sb.close();
	});

	it("an unanswered call becomes missed when its ring alarm fires", async () => {
		const a = await registerUser();
		const b = await registerUser();
		const sa = await connect(a.token);
		const created = await startCall(a, b, 0);
		expect(created.call.callType).toBe("audio");
		const timer = env.CALL_TIMER.getByName(`call:${created.callId}`);
		expect(await runDurableObjectAlarm(timer)).toBe(true);
		const info = await ok("GET", `/rtc/calls/${created.callId}`, { token: a.token });
		expect(info.status).toBe("missed");
		expect(info.endedAt).toBeGreaterThan(0);
		const st = await sa.waitForNotification("livekit.call_status");
		expect(st[0]!.payload.data).toMatchObject({ callId: created.callId, status: "missed" });
		await fails("POST", `/rtc/calls/${created.callId}/join`, 409, 90104, { token: b.token });
		sa.close();
	});

	it("an answered call's alarm is disarmed and would change nothing", async () => {
		const a = await registerUser();
		const b = await registerUser();
		const created = await startCall(a, b);
		await ok("POST", `/rtc/calls/${created.callId}/join`, { token: b.token });
		const timer = env.CALL_TIMER.getByName(`call:${created.callId}`);
		await runDurableObjectAlarm(timer);
		expect((await ok("GET", `/rtc/calls/${created.callId}`, { token: a.token })).status).toBe("connected");
	});

	it("reject: caller gets call_rejected; only the callee may answer or reject", async () => {
		const a = await registerUser();
		const b = await registerUser();
		const c = await registerUser();
		const sa = await connect(a.token);
		const created = await startCall(a, b, "audio");
		await fails("POST", `/rtc/calls/${created.callId}/join`, 403, 90103, { token: a.token });
		await fails("POST", `/rtc/calls/${created.callId}/reject`, 403, 90103, { token: c.token });
		await fails("GET", `/rtc/calls/${created.callId}`, 403, 90103, { token: c.token });
		await fails("POST", `/rtc/calls/${created.callId}/end`, 403, 90103, { token: c.token });
		await ok("POST", `/rtc/calls/${created.callId}/reject`, { token: b.token });
		const rej = await sa.waitForNotification("livekit.call_rejected");
		expect(rej[0]!.payload.data).toEqual({ callId: created.callId, calleeId: b.userId });
		await sa.waitForMessages(
			(f) => f.payload?.notificationType === "livekit.call_status" && f.payload.data.status === "rejected",
		);
		await fails("POST", `/rtc/calls/${created.callId}/reject`, 409, 90104, { token: b.token });
		expect((await ok("GET", `/rtc/calls/${created.callId}`, { token: a.token })).status).toBe("rejected");
		sa.close();
	});

	it("hanging up a ringing call cancels it", async () => {
		const a = await registerUser();
		const b = await registerUser();
		const sb = await connect(b.token);
		const created = await startCall(a, b);
		await ok("POST", `/rtc/calls/${created.callId}/end`, { token: a.token });
		const st = await sb.waitForNotification("livekit.call_status");
		expect(st[0]!.payload.data.status).toBe("cancelled");
		// Ending a cancelled call keeps it cancelled.
		await ok("POST", `/rtc/calls/${created.callId}/end`, { token: b.token });
		expect((await ok("GET", `/rtc/calls/${created.callId}`, { token: a.token })).status).toBe("cancelled");
		sb.close();
	});

	it("refuses self-calls, unknown callees, blocked pairs and busy callees", async () => {
		const a = await registerUser();
		const b = await registerUser();
		const d = await registerUser();
		await fails("POST", "/rtc/calls", 400, 400, { token: a.token, body: { calleeId: a.userId } });
		await fails("POST", "/rtc/calls", 404, 10104, { token: a.token, body: { calleeId: crypto.randomUUID() } });
		const bad = await fails("POST", "/rtc/calls", 400, 400, {
			token: a.token,
			body: { calleeId: b.userId, callType: "hologram" },
		});
		expect(bad.body.message).toContain("callType");
		await fails("POST", "/rtc/calls", 400, 400, { token: a.token, body: {} });
		await fails("POST", "/rtc/calls", 401, 401, { body: { calleeId: b.userId } });

		// b blocks a: calls are refused both ways.
		await ok("POST", "/friends/blacklist", { token: b.token, body: { userId: a.userId } });
		await fails("POST", "/rtc/calls", 403, 30114, { token: a.token, body: { calleeId: b.userId } });
		await fails("POST", "/rtc/calls", 403, 30114, { token: b.token, body: { calleeId: a.userId } });

		// Busy: d and e are in a connected call; a cannot call e, and d cannot start another call.
		const e = await registerUser();
		const busy = await startCall(d, e);
		await ok("POST", `/rtc/calls/${busy.callId}/join`, { token: e.token });
		await fails("POST", "/rtc/calls", 409, 90102, { token: a.token, body: { calleeId: e.userId } });
		await fails("POST", "/rtc/calls", 409, 90102, { token: d.token, body: { calleeId: a.userId } });
		await ok("POST", `/rtc/calls/${busy.callId}/end`, { token: e.token });
		await startCall(a, e);
		await fails("GET", "/rtc/calls/unknown-call", 404, 90101, { token: a.token });
		await fails("POST", "/rtc/calls/unknown-call/join", 404, 90101, { token: a.token });
		await fails("POST", "/rtc/calls/unknown-call/reject", 404, 90101, { token: a.token });
		await fails("POST", "/rtc/calls/unknown-call/end", 404, 90101, { token: a.token });
	});

	it("lists my calls newest first with paging", async () => {
		const a = await registerUser();
		const b = await registerUser();
		const c = await registerUser();
		const first = await startCall(a, b);
		await ok("POST", `/rtc/calls/${first.callId}/end`, { token: a.token });
		const second = await startCall(c, a);
		const list = await ok("GET", "/rtc/calls?pageSize=1", { token: a.token });
		expect(list).toMatchObject({ total: 2, page: 1, pageSize: 1 });
		expect(list.list).toHaveLength(1);
		const all = await ok("GET", "/rtc/calls", { token: a.token });
		expect(new Set(all.list.map((x: any) => x.callId))).toEqual(new Set([first.callId, second.callId]));
		expect((await ok("GET", "/rtc/calls", { token: b.token })).total).toBe(1);
		await fails("GET", "/rtc/calls?page=0", 400, 400, { token: a.token });
	});
});

describe("meetings", () => {
	it("password, participant cap, tokens and creator-only end", async () => {
		const host = await registerUser();
		const guest = await registerUser();
		const third = await registerUser();
		const created = await ok("POST", "/rtc/meetings", {
			token: host.token,
			body: { title: "Weekly", password: "s3cret", maxParticipants: 2 },
		});
		expect(created.meeting).toMatchObject({
			creatorId: host.userId,
			title: "Weekly",
			hasPassword: true,
			maxParticipants: 2,
			participantCount: 1,
			status: "active",
			endedAt: 0,
		});
		const roomId = created.meeting.roomId;
		expect(created.roomName).toBe(`meeting_${roomId}`);
		expect(decodeJwt(created.token)).toMatchObject({
			sub: host.userId,
			video: { room: created.roomName, roomAdmin: true },
		});
		// The password is stored hashed, never in clear.
		const stored = await env.DB.prepare("SELECT password_hash FROM meetings WHERE id = ?").bind(roomId).first<{
			password_hash: string;
		}>();
		expect(stored!.password_hash).toMatch(/^pbkdf2\$/);

		await fails("POST", `/rtc/meetings/${roomId}/join`, 403, 90106, { token: guest.token });
		await fails("POST", `/rtc/meetings/${roomId}/join`, 403, 90106, { token: guest.token, body: { password: "nope" } });
		const joined = await ok("POST", `/rtc/meetings/${roomId}/join`, {
			token: guest.token,
			body: { password: "s3cret" },
		});
		expect(joined.meeting.participantCount).toBe(2);
		const grant = decodeJwt(joined.token);
		expect(grant).toMatchObject({
			sub: guest.userId,
			video: { roomJoin: true, room: created.roomName, roomAdmin: false },
		});
		await jwtVerify(joined.token, await livekitSecret());
		// Rejoining is allowed; a third person is over the cap.
		await ok("POST", `/rtc/meetings/${roomId}/join`, { token: guest.token, body: { password: "s3cret" } });
		await fails("POST", `/rtc/meetings/${roomId}/join`, 409, 409, { token: third.token, body: { password: "s3cret" } });

		const listed = await ok("GET", "/rtc/meetings", { token: guest.token });
		expect(listed.list.map((m: any) => m.roomId)).toContain(roomId);
		expect((await ok("GET", "/rtc/meetings", { token: third.token })).list.map((m: any) => m.roomId)).not.toContain(
			roomId,
		);
		expect((await ok("GET", `/rtc/meetings/${roomId}`, { token: third.token })).title).toBe("Weekly");

		await fails("POST", `/rtc/meetings/${roomId}/end`, 403, 90108, { token: guest.token });
		await ok("POST", `/rtc/meetings/${roomId}/end`, { token: host.token });
		await ok("POST", `/rtc/meetings/${roomId}/end`, { token: host.token });
		const ended = await ok("GET", `/rtc/meetings/${roomId}`, { token: host.token });
		expect(ended.status).toBe("ended");
		expect(ended.endedAt).toBeGreaterThan(0);
		await fails("POST", `/rtc/meetings/${roomId}/join`, 409, 90107, {
			token: guest.token,
			body: { password: "s3cret" },
		});
		expect((await ok("GET", "/rtc/meetings", { token: host.token })).list.map((m: any) => m.roomId)).not.toContain(
			roomId,
		);
	});

	it("open rooms, validation and unknown rooms", async () => {
		const u = await registerUser();
		const v = await registerUser();
		const open = await ok("POST", "/rtc/meetings", { token: u.token, body: { title: "Open" } });
		expect(open.meeting).toMatchObject({ hasPassword: false, maxParticipants: 0 });
		await ok("POST", `/rtc/meetings/${open.meeting.roomId}/join`, { token: v.token });
		await fails("POST", "/rtc/meetings", 400, 400, { token: u.token, body: { title: "" } });
		await fails("POST", "/rtc/meetings", 400, 400, { token: u.token, body: { title: "x", maxParticipants: -1 } });
		await fails("GET", "/rtc/meetings/nope", 404, 90105, { token: u.token });
		await fails("POST", "/rtc/meetings/nope/join", 404, 90105, { token: u.token });
		await fails("POST", "/rtc/meetings/nope/end", 404, 90105, { token: u.token });
		await fails("GET", "/rtc/meetings?pageSize=0", 400, 400, { token: u.token });
		const list = await ok("GET", "/rtc/meetings", { token: u.token });
		expect(list).toMatchObject({ page: 1, pageSize: 20 });
		expect(list.total).toBe(1);
	});
});

describe("rtc route table", () => {
	it("serves every upstream rtc operation (11), documented, with its auth kind", () => {
		const byKey = new Map(operations(app.routes).map((o) => [`${o.method} ${o.path}`, o]));
		for (const op of [
			"POST /rtc/calls",
			"GET /rtc/calls",
			"GET /rtc/calls/:callId",
			"POST /rtc/calls/:callId/join",
			"POST /rtc/calls/:callId/reject",
			"POST /rtc/calls/:callId/end",
			"POST /rtc/meetings",
			"GET /rtc/meetings",
			"GET /rtc/meetings/:roomId",
			"POST /rtc/meetings/:roomId/join",
			"POST /rtc/meetings/:roomId/end",
		]) {
			const [method, path] = op.split(" ");
			const found = byKey.get(`${method} /api/v1${path}`);
			expect(found, op).toBeDefined();
			expect(found!.summary, op).toBeTruthy();
			expect(found!.auth, op).toBe(op === "POST /admin/auth/login" ? undefined : "user");
		}
	});
});
