import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, fails, ok } from "./fixtures/api";
import { claimsOf, expiredCopy } from "./fixtures/tokens";
import { loginDevice, PASSWORD, registerUser } from "./fixtures/users";
import { connect, roundTrip } from "./fixtures/ws";

let seq = 0;
const tag = () => `${Date.now().toString(36)}${(seq++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const randomDigits = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join("");
const chinaPhone = () => `13${randomDigits(9)}`;
const e164Phone = () => `+44${randomDigits(10)}`;

const registerBody = (over: Record<string, unknown> = {}): Record<string, any> => ({
	email: `a${tag()}@example.com`,
	password: PASSWORD,
	verifyCode: "123456",
	deviceType: "Web",
	deviceId: `dev-${tag()}`,
	clientVersion: "1.0.0",
	...over,
});

const loginBody = (account: string, over: Record<string, unknown> = {}) => ({
	account,
	password: PASSWORD,
	deviceType: "Android",
	deviceId: `dev-${tag()}`,
	clientVersion: "1.0.0",
	...over,
});

const setStatus = (userId: string, status: number) =>
	env.DB.prepare("UPDATE users SET status = ? WHERE id = ?").bind(status, userId).run();

describe("POST /auth/register", () => {
	it("creates the account by email and returns the token pair and the user", async () => {
		const body = registerBody({ nickname: `reg${tag()}`.slice(0, 20) });
		const data = await ok("POST", "/auth/register", { body });
		expect(data).toEqual({
			userId: expect.any(String),
			accessToken: expect.any(String),
			refreshToken: expect.any(String),
			expiresIn: 7200,
			user: { userId: data.userId, nickname: body.nickname, avatar: "", phone: "", email: body.email },
		});
		const claims = claimsOf(data.accessToken);
		expect(claims).toMatchObject({ userId: data.userId, deviceId: body.deviceId, tokenType: "access" });
		const session = await env.DB.prepare("SELECT id FROM device_sessions WHERE user_id = ? AND device_id = ?")
			.bind(data.userId, body.deviceId)
			.first<{ id: string }>();
		expect(claims.sid).toBe(session?.id);
		expect(claims.exp - claims.iat).toBe(7200);
		expect(claimsOf(data.refreshToken).tokenType).toBe("refresh");
		const me = await ok("GET", "/users/me", { token: data.accessToken });
		expect(me).toMatchObject({ userId: data.userId, nickname: body.nickname, email: body.email, phone: "" });
	});

	it("answers 409 UserExists to the loser of two registrations of the same email at once, and keeps one account", async () => {
		const email = `race${tag()}@example.com`;
		const results = await Promise.all(
			[0, 1].map(() => call("POST", "/auth/register", { body: registerBody({ email }) })),
		);
		const codes = results.map((r) => [r.status, r.body.code]).sort();
		expect(codes).toEqual([
			[200, 0],
			[409, 10101],
		]);
		const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM users WHERE email = ?")
			.bind(email)
			.first<{ n: number }>();
		expect(rows?.n).toBe(1);
	});

	it("stores passwords as salted PBKDF2-SHA256 with 100,000 iterations", async () => {
		const a = await registerUser();
		const b = await registerUser();
		const hashes = await env.DB.prepare("SELECT password_hash AS h FROM users WHERE id IN (?, ?)")
			.bind(a.userId, b.userId)
			.all<{ h: string }>();
		expect(hashes.results).toHaveLength(2);
		for (const { h } of hashes.results) expect(h).toMatch(/^pbkdf2\$100000\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
		// Same password, different salts, different hashes.
		expect(hashes.results[0]!.h).not.toBe(hashes.results[1]!.h);
		expect(JSON.stringify(hashes.results)).not.toContain(PASSWORD);
	});

	it("accepts a mainland-China phone number and logs in with it", async () => {
		const phone = chinaPhone();
		const data = await ok("POST", "/auth/register", { body: registerBody({ email: undefined, phoneNumber: phone }) });
		expect(data.user).toMatchObject({ phone, email: "" });
		expect(data.user.nickname).toBe(`User_${data.userId.slice(0, 8)}`);
		const login = await ok("POST", "/auth/login", { body: loginBody(phone) });
		expect(login.userId).toBe(data.userId);
	});

	it("accepts an E.164 phone number and logs in with it", async () => {
		const phone = e164Phone();
		const data = await ok("POST", "/auth/register", { body: registerBody({ phoneNumber: phone }) });
		expect(data.user.phone).toBe(phone);
		const login = await ok("POST", "/auth/login", { body: loginBody(phone) });
		expect(login.user).toMatchObject({ userId: data.userId, phone });
	});

	it("accepts deviceType case-insensitively and stores the canonical spelling", async () => {
		for (const [given, canonical] of [
			["ios", "iOS"],
			["ANDROID", "Android"],
			["web", "Web"],
			["pc", "PC"],
		] as const) {
			const body = registerBody({ deviceType: given });
			const data = await ok("POST", "/auth/register", { body });
			expect(claimsOf(data.accessToken).deviceType).toBe(canonical);
			const row = await env.DB.prepare("SELECT device_type AS t FROM user_devices WHERE user_id = ? AND device_id = ?")
				.bind(data.userId, body.deviceId)
				.first<{ t: string }>();
			expect(row?.t).toBe(canonical);
		}
	});

	it("refuses bad input with 400 naming the problem", async () => {
		const cases: [Record<string, unknown>, number, RegExp][] = [
			[{ email: undefined }, 400, /phoneNumber or email/],
			[{ email: undefined, phoneNumber: "12800138000" }, 400, /phoneNumber/],
			[{ email: undefined, phoneNumber: "+1234567" }, 400, /phoneNumber/],
			[{ email: undefined, phoneNumber: "+0123456789" }, 400, /phoneNumber/],
			[{ email: "not-an-email" }, 400, /email/],
			[{ deviceType: "Symbian" }, 400, /deviceType/],
			[{ verifyCode: "" }, 400, /verifyCode/],
			[{ verifyCode: undefined }, 400, /verifyCode/],
			[{ clientVersion: undefined }, 400, /clientVersion/],
			[{ deviceId: undefined }, 400, /deviceId/],
			[{ password: undefined }, 400, /password/],
			[{ nickname: "x".repeat(51) }, 400, /^nickname must be at most 50 characters$/],
			[{ nickname: 7 }, 400, /nickname/],
			[{ deviceType: 5 }, 400, /^deviceType must be a string, not number$/],
			[{ deviceType: undefined }, 400, /^deviceType is required$/],
			[{ email: ["a@b.co"] }, 400, /^email must be a string, not array$/],
			[{ password: null }, 400, /^password must be a string, not null$/],
		];
		for (const [over, code, message] of cases) {
			const res = await fails("POST", "/auth/register", 400, code, { body: registerBody(over) });
			expect(res.body.message, JSON.stringify(over)).toMatch(message);
		}
	});

	it("refuses a weak password with 10103", async () => {
		for (const password of ["short1a", "lettersonly", "1234567890", `a1${"x".repeat(31)}`, "密码密码密码12"]) {
			const res = await fails("POST", "/auth/register", 400, 10103, { body: registerBody({ password }) });
			expect(res.body.message).toMatch(/password/);
		}
		// 8 bytes, a letter and a digit is enough.
		await ok("POST", "/auth/register", { body: registerBody({ password: "abcdefg1" }) });
	});

	it("refuses a registered phone or email with 409/10101", async () => {
		const phone = chinaPhone();
		const first = registerBody({ phoneNumber: phone });
		await ok("POST", "/auth/register", { body: first });
		await fails("POST", "/auth/register", 409, 10101, { body: registerBody({ phoneNumber: phone }) });
		await fails("POST", "/auth/register", 409, 10101, { body: registerBody({ email: first.email }) });
	});

	it("takes any nickname up to the stored 50 characters, taken or not; profile updates keep their rules", async () => {
		// auth.md: registration does not validate the nickname; scripts register the same name every run.
		const same = `tester ${tag()}`;
		const long = `${"長".repeat(30)}${"x".repeat(20)}`; // 50 characters, 110 bytes
		const first = await ok("POST", "/auth/register", { body: registerBody({ nickname: same }) });
		const second = await ok("POST", "/auth/register", { body: registerBody({ nickname: same }) });
		const third = await ok("POST", "/auth/register", { body: registerBody({ nickname: long }) });
		const fourth = await ok("POST", "/auth/register", { body: registerBody({ nickname: "SuperAdmin" }) });
		expect(second.userId).not.toBe(first.userId);
		for (const [data, nickname] of [
			[first, same],
			[second, same],
			[third, long],
			[fourth, "SuperAdmin"],
		] as const) {
			expect(data.user.nickname).toBe(nickname);
			const me = await ok("GET", "/users/me", { token: data.accessToken });
			expect(me.nickname).toBe(nickname);
		}
		// PUT /users/me keeps 1-20 characters, reserved words and uniqueness (users.md).
		await fails("PUT", "/users/me", 400, 400, { token: third.accessToken, body: { nickname: long } });
		await fails("PUT", "/users/me", 400, 20102, { token: first.accessToken, body: { nickname: "SuperAdmin" } });
		const mine = `mine${tag()}`.slice(0, 20);
		await ok("PUT", "/users/me", { token: first.accessToken, body: { nickname: mine } });
		await fails("PUT", "/users/me", 409, 20101, { token: second.accessToken, body: { nickname: mine } });
	});
});

describe("POST /auth/login", () => {
	it("logs in by email and returns tokens and the user with present zero values", async () => {
		const u = await registerUser();
		const data = await ok("POST", "/auth/login", { body: loginBody(u.email, { deviceType: "pc" }) });
		expect(data).toEqual({
			userId: u.userId,
			accessToken: expect.any(String),
			refreshToken: expect.any(String),
			expiresIn: 7200,
			user: { userId: u.userId, nickname: u.nickname, avatar: "", phone: "", email: u.email },
		});
		expect(claimsOf(data.accessToken).deviceType).toBe("PC");
		// Both devices keep working: sessions are per device.
		await ok("GET", "/users/me", { token: data.accessToken });
		await ok("GET", "/users/me", { token: u.token });
	});

	it("answers each failure with its code", async () => {
		const u = await registerUser();
		await fails("POST", "/auth/login", 400, 400, { body: loginBody(u.email, { deviceType: "blackberry" }) });
		await fails("POST", "/auth/login", 400, 400, { body: loginBody(u.email, { account: "" }) });
		await fails("POST", "/auth/login", 404, 10104, { body: loginBody(`nobody${tag()}@example.com`) });
		await fails("POST", "/auth/login", 401, 10105, { body: loginBody(u.email, { password: "Wrong0000" }) });
	});

	it("refuses a disabled account with 403/10106 (after the password check) and its old tokens", async () => {
		const u = await registerUser();
		await setStatus(u.userId, 2);
		await fails("POST", "/auth/login", 403, 10106, { body: loginBody(u.email) });
		await fails("POST", "/auth/login", 401, 10105, { body: loginBody(u.email, { password: "Wrong0000" }) });
		await fails("GET", "/users/me", 403, 10106, { token: u.token });
		await fails("POST", "/auth/refresh", 403, 10106, { body: { refreshToken: u.refreshToken } });
		await setStatus(u.userId, 1);
		await ok("GET", "/users/me", { token: u.token });
	});

	it("logging in again on the same device replaces that device's session and closes its old socket", async () => {
		const u = await registerUser();
		const other = await loginDevice(u, `other-${tag()}`);
		const oldSocket = await connect(u.token);
		const otherSocket = await connect(other.token);
		const again = await ok("POST", "/auth/login", { body: loginBody(u.email, { deviceId: u.deviceId }) });
		expect((await oldSocket.waitForClose()).code).toBe(4001);
		await fails("GET", "/users/me", 401, 10109, { token: u.token });
		await fails("POST", "/auth/refresh", 401, 10107, { body: { refreshToken: u.refreshToken } });
		await ok("GET", "/users/me", { token: again.accessToken });
		const fresh = await connect(again.accessToken);
		await roundTrip(fresh);
		await roundTrip(otherSocket);
		expect(otherSocket.closed).toBeNull();
		fresh.close();
		otherSocket.close();
	});
});

describe("login throttle", () => {
	it("after 5 failures in the window answers 429 with Retry-After, even for the right password", async () => {
		const u = await registerUser();
		for (let i = 0; i < 5; i++) {
			await fails("POST", "/auth/login", 401, 10105, { body: loginBody(u.email, { password: `Wrong${i}000` }) });
		}
		const wrong = await fails("POST", "/auth/login", 429, 429, { body: loginBody(u.email, { password: "Wrong9000" }) });
		const retry = Number(wrong.headers.get("Retry-After"));
		expect(retry).toBeGreaterThan(0);
		expect(retry).toBeLessThanOrEqual(900);
		const right = await fails("POST", "/auth/login", 429, 429, { body: loginBody(u.email) });
		expect(Number(right.headers.get("Retry-After"))).toBeGreaterThan(0);
		// The throttle is per account: another account is unaffected, and so are existing sessions.
		const other = await registerUser();
		await ok("POST", "/auth/login", { body: loginBody(other.email) });
		await ok("GET", "/users/me", { token: u.token });
	});

	it("lets the account in again once the window has passed", async () => {
		const u = await registerUser();
		for (let i = 0; i < 5; i++) {
			await fails("POST", "/auth/login", 401, 10105, { body: loginBody(u.email, { password: "Wrong0000" }) });
		}
		await fails("POST", "/auth/login", 429, 429, { body: loginBody(u.email) });
		// Move the recorded failures out of the 15-minute window instead of waiting for it.
		await env.DB.prepare("UPDATE login_failures SET at = at - 901 WHERE account = ?").bind(`user:${u.userId}`).run();
		await ok("POST", "/auth/login", { body: loginBody(u.email) });
	});

	it("counts failures per account whichever identifier is used, and a success clears them", async () => {
		const phone = chinaPhone();
		const reg = await ok("POST", "/auth/register", { body: registerBody({ phoneNumber: phone }) });
		const email = reg.user.email as string;
		for (let i = 0; i < 4; i++) {
			await fails("POST", "/auth/login", 401, 10105, { body: loginBody(email, { password: "Wrong0000" }) });
		}
		await ok("POST", "/auth/login", { body: loginBody(phone) });
		for (let i = 0; i < 3; i++) {
			await fails("POST", "/auth/login", 401, 10105, { body: loginBody(phone, { password: "Wrong0000" }) });
		}
		for (let i = 0; i < 2; i++) {
			await fails("POST", "/auth/login", 401, 10105, { body: loginBody(email, { password: "Wrong0000" }) });
		}
		await fails("POST", "/auth/login", 429, 429, { body: loginBody(phone) });
	});

	it("throttles guesses at an unknown account too", async () => {
		const account = `ghost${tag()}@example.com`;
		for (let i = 0; i < 5; i++) await fails("POST", "/auth/login", 404, 10104, { body: loginBody(account) });
		const res = await fails("POST", "/auth/login", 429, 429, { body: loginBody(account) });
		expect(res.headers.get("Retry-After")).toMatch(/^\d+$/);
	});
});

describe("POST /auth/refresh", () => {
	it("rotates both tokens; the new pair works", async () => {
		const u = await registerUser();
		const next = await ok("POST", "/auth/refresh", { body: { refreshToken: u.refreshToken } });
		expect(next).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 7200 });
		expect(next.refreshToken).not.toBe(u.refreshToken);
		expect(claimsOf(next.accessToken)).toMatchObject({ userId: u.userId, deviceId: u.deviceId, deviceType: "Web" });
		await ok("GET", "/users/me", { token: next.accessToken });
		const third = await ok("POST", "/auth/refresh", { body: { refreshToken: next.refreshToken } });
		await ok("GET", "/users/me", { token: third.accessToken });
	});

	it("treats reuse of a rotated refresh token as theft: the device's session ends and its socket is closed", async () => {
		const u = await registerUser();
		const other = await loginDevice(u, `other-${tag()}`);
		const rotated = await ok("POST", "/auth/refresh", { body: { refreshToken: u.refreshToken } });
		const socket = await connect(rotated.accessToken);
		const otherSocket = await connect(other.token);

		await fails("POST", "/auth/refresh", 401, 10107, { body: { refreshToken: u.refreshToken } });

		const [frame] = await socket.waitForNotification("auth.force_logout");
		expect(frame!.payload.data).toEqual({ userId: u.userId, deviceId: u.deviceId, reason: "token_reuse" });
		expect((await socket.waitForClose()).code).toBe(4003);
		await fails("GET", "/users/me", 401, 10109, { token: rotated.accessToken });
		await fails("POST", "/auth/refresh", 401, 10107, { body: { refreshToken: rotated.refreshToken } });
		// The other device is untouched.
		await ok("GET", "/users/me", { token: other.token });
		await ok("POST", "/auth/refresh", { body: { refreshToken: other.refreshToken } });
		expect(otherSocket.closed).toBeNull();
		otherSocket.close();
	});

	it("refuses tokens that are not a valid refresh token with 10107", async () => {
		const u = await registerUser();
		await fails("POST", "/auth/refresh", 401, 10107, { body: { refreshToken: u.token } });
		await fails("POST", "/auth/refresh", 401, 10107, { body: { refreshToken: "not.a.jwt" } });
		await fails("POST", "/auth/refresh", 401, 10107, { body: { refreshToken: `${u.refreshToken.slice(0, -4)}AAAA` } });
		await fails("POST", "/auth/refresh", 400, 400, { body: {} });
		await fails("POST", "/auth/refresh", 400, 400, { body: { refreshToken: "" } });
	});

	it("refuses an expired refresh token with 10108", async () => {
		const u = await registerUser();
		await fails("POST", "/auth/refresh", 401, 10108, { body: { refreshToken: await expiredCopy(u.refreshToken) } });
		// A session whose server-side expiry passed is expired too, even with a live JWT.
		const fresh = await registerUser();
		await env.DB.prepare("UPDATE device_sessions SET expires_at = 1 WHERE user_id = ?").bind(fresh.userId).run();
		await fails("POST", "/auth/refresh", 401, 10108, { body: { refreshToken: fresh.refreshToken } });
	});
});

describe("access tokens on protected routes", () => {
	it("refuses a missing, malformed, foreign, expired or refresh token with 401", async () => {
		const u = await registerUser();
		await fails("GET", "/users/me", 401, 401);
		await fails("GET", "/users/me", 401, 401, { headers: { Authorization: u.token } });
		await fails("GET", "/users/me", 401, 401, { headers: { Authorization: `Basic ${u.token}` } });
		await fails("GET", "/users/me", 401, 10109, { token: "abc.def.ghi" });
		await fails("GET", "/users/me", 401, 10109, { token: u.refreshToken });
		await fails("GET", "/users/me", 401, 10110, { token: await expiredCopy(u.token) });
	});

	it("accepts the Bearer scheme in any case", async () => {
		const u = await registerUser();
		await ok("GET", "/users/me", { headers: { Authorization: `bearer ${u.token}` } });
		await ok("GET", "/users/me", { headers: { Authorization: `BEARER  ${u.token}` } });
	});
});

describe("POST /auth/logout", () => {
	it("ends the device's session at once: access and refresh tokens refused, live socket told and closed", async () => {
		const u = await registerUser();
		const socket = await connect(u.token);
		await ok("POST", "/auth/logout", { token: u.token, body: { deviceId: u.deviceId } });

		const [frame] = await socket.waitForNotification("auth.force_logout");
		expect(frame!.payload).toMatchObject({
			notificationType: "auth.force_logout",
			timestamp: expect.any(Number),
			data: { userId: u.userId, deviceId: u.deviceId, reason: "logout" },
		});
		expect((await socket.waitForClose()).code).toBe(4003);
		await fails("GET", "/users/me", 401, 10109, { token: u.token });
		await fails("POST", "/auth/refresh", 401, 10107, { body: { refreshToken: u.refreshToken } });
		await fails("POST", "/auth/logout", 401, 10109, { token: u.token, body: { deviceId: u.deviceId } });
	});

	it("can end another device of the caller and leaves the caller's own session alone", async () => {
		const u = await registerUser();
		const phone = await loginDevice(u, `phone-${tag()}`);
		const phoneSocket = await connect(phone.token);
		await ok("POST", "/auth/logout", { token: u.token, body: { deviceId: phone.deviceId } });
		expect((await phoneSocket.waitForClose()).code).toBe(4003);
		await fails("GET", "/users/me", 401, 10109, { token: phone.token });
		await ok("GET", "/users/me", { token: u.token });
		// An unknown device is not an error.
		await ok("POST", "/auth/logout", { token: u.token, body: { deviceId: "never-seen" } });
	});

	it("requires a token and a deviceId", async () => {
		const u = await registerUser();
		await fails("POST", "/auth/logout", 401, 401, { body: { deviceId: u.deviceId } });
		await fails("POST", "/auth/logout", 400, 400, { token: u.token, body: {} });
	});
});

describe("POST /auth/password/change", () => {
	it("changes the password, tells the devices, ends the other sessions and keeps the current one", async () => {
		const u = await registerUser();
		const other = await loginDevice(u, `other-${tag()}`);
		const mine = await connect(u.token);
		const theirs = await connect(other.token);

		await ok("POST", "/auth/password/change", {
			token: u.token,
			body: { oldPassword: PASSWORD, newPassword: "NewPassw0rd" },
		});

		for (const s of [mine, theirs]) {
			const [n] = await s.waitForNotification("auth.password_changed");
			expect(n!.payload.data).toEqual({ userId: u.userId, deviceId: u.deviceId, changedAt: expect.any(Number) });
		}
		const [forced] = await theirs.waitForNotification("auth.force_logout");
		expect(forced!.payload.data).toEqual({ userId: u.userId, deviceId: other.deviceId, reason: "password_changed" });
		expect((await theirs.waitForClose()).code).toBe(4003);
		await fails("GET", "/users/me", 401, 10109, { token: other.token });
		await fails("POST", "/auth/refresh", 401, 10107, { body: { refreshToken: other.refreshToken } });

		// The device that changed it keeps working, socket included.
		await ok("GET", "/users/me", { token: u.token });
		mine.send({ type: "ping" });
		await mine.waitForMessages((f) => f.type === "pong");
		expect(mine.notifications("auth.force_logout")).toHaveLength(0);
		expect(mine.closed).toBeNull();
		mine.close();
		await ok("POST", "/auth/refresh", { body: { refreshToken: u.refreshToken } });

		await fails("POST", "/auth/login", 401, 10105, { body: loginBody(u.email) });
		await ok("POST", "/auth/login", { body: loginBody(u.email, { password: "NewPassw0rd" }) });
	});

	it("refuses a wrong old password (10105), a weak new one (10103) and missing fields", async () => {
		const u = await registerUser();
		await fails("POST", "/auth/password/change", 401, 10105, {
			token: u.token,
			body: { oldPassword: "Wrong0000", newPassword: "NewPassw0rd" },
		});
		await fails("POST", "/auth/password/change", 400, 10103, {
			token: u.token,
			body: { oldPassword: PASSWORD, newPassword: "weak" },
		});
		await fails("POST", "/auth/password/change", 400, 400, { token: u.token, body: { oldPassword: PASSWORD } });
		await fails("POST", "/auth/password/change", 401, 401, { body: { oldPassword: PASSWORD, newPassword: "x" } });
		// Nothing changed.
		await ok("POST", "/auth/login", { body: loginBody(u.email) });
	});
});
