import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { fails, ok } from "./fixtures/api";
import { loginDevice, PASSWORD, registerUser } from "./fixtures/users";
import { connect, roundTrip } from "./fixtures/ws";

let seq = 0;
const tag = () => `${Date.now().toString(36)}${(seq++).toString(36)}${Math.random().toString(36).slice(2, 5)}`;
const randomDigits = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join("");
const nowSeconds = () => Math.floor(Date.now() / 1000);

async function registerWithPhone(nickname: string) {
	const phone = `15${randomDigits(9)}`;
	const data = await ok("POST", "/auth/register", {
		body: {
			phoneNumber: phone,
			password: PASSWORD,
			verifyCode: "1",
			nickname,
			deviceType: "iOS",
			deviceId: `d-${tag()}`,
			clientVersion: "1",
		},
	});
	return { userId: data.userId as string, token: data.accessToken as string, phone };
}

const tokenOfQr = (url: string) => new URL(url).searchParams.get("token")!;

describe("GET /users/me", () => {
	it("returns the full profile with zero values present", async () => {
		const u = await registerUser();
		const me = await ok("GET", "/users/me", { token: u.token });
		expect(me).toEqual({
			userId: u.userId,
			nickname: u.nickname,
			avatar: "",
			signature: "",
			gender: 0,
			region: "",
			phone: "",
			email: u.email,
			birthday: 0,
			qrcodeUrl: expect.stringMatching(new RegExp(`^anychat://qrcode\\?token=${u.userId}_[0-9a-f]{16}$`)),
			createdAt: expect.any(Number),
			updatedAt: expect.any(Number),
		});
		expect(Math.abs(me.createdAt - nowSeconds())).toBeLessThan(600);
	});

	it("needs a token", async () => {
		await fails("GET", "/users/me", 401, 401);
	});
});

describe("PUT /users/me", () => {
	it("applies only the fields given and returns the profile", async () => {
		const u = await registerUser();
		const nickname = `new${tag()}`.slice(0, 20);
		const updated = await ok("PUT", "/users/me", {
			token: u.token,
			body: {
				nickname,
				avatar: "https://example.com/a.png",
				signature: "hello",
				gender: 2,
				region: "Beijing",
				birthday: "1990-01-01T00:00:00Z",
			},
		});
		expect(updated).toMatchObject({
			userId: u.userId,
			nickname,
			avatar: "https://example.com/a.png",
			signature: "hello",
			gender: 2,
			region: "Beijing",
			birthday: 631152000,
			email: u.email,
		});
		const partial = await ok("PUT", "/users/me", { token: u.token, body: { signature: "" } });
		expect(partial).toMatchObject({ nickname, signature: "", gender: 2, region: "Beijing", birthday: 631152000 });
		expect(await ok("GET", "/users/me", { token: u.token })).toEqual(partial);
	});

	it("accepts a bare date and Unix seconds as the birthday", async () => {
		const u = await registerUser();
		expect((await ok("PUT", "/users/me", { token: u.token, body: { birthday: "2000-02-29" } })).birthday).toBe(
			951782400,
		);
		expect((await ok("PUT", "/users/me", { token: u.token, body: { birthday: 86400 } })).birthday).toBe(86400);
		// A timestamp keeps the calendar date it was written with, whatever its offset.
		for (const birthday of ["1990-01-01T00:30:00+08:00", "1990-01-01T23:00:00-05:00"]) {
			expect((await ok("PUT", "/users/me", { token: u.token, body: { birthday } })).birthday).toBe(631152000);
		}
	});

	it("trims the nickname before checking and storing it", async () => {
		const u = await registerUser();
		const nickname = `trim${tag()}`.slice(0, 18);
		expect((await ok("PUT", "/users/me", { token: u.token, body: { nickname: ` ${nickname} ` } })).nickname).toBe(
			nickname,
		);
		await fails("PUT", "/users/me", 400, 400, { token: u.token, body: { nickname: "   " } });
	});

	it("keeps the own nickname and accepts 20 characters counted as characters", async () => {
		const u = await registerUser();
		await ok("PUT", "/users/me", { token: u.token, body: { nickname: u.nickname } });
		const cjk = `测${tag()}`.padEnd(20, "试").slice(0, 20);
		expect((await ok("PUT", "/users/me", { token: u.token, body: { nickname: cjk } })).nickname).toBe(cjk);
	});

	it("refuses invalid fields with 400 naming them", async () => {
		const u = await registerUser();
		const cases: [Record<string, unknown>, RegExp][] = [
			[{ nickname: "" }, /nickname/],
			[{ nickname: "x".repeat(21) }, /nickname/],
			[{ gender: 3 }, /gender/],
			[{ gender: 1.5 }, /gender/],
			[{ gender: "1" }, /^gender must be a number, not string$/],
			[{ nickname: 5 }, /^nickname must be a string, not number$/],
			[{ birthday: "yesterday" }, /birthday/],
			[{ birthday: "2001-02-29" }, /birthday/],
			[{ birthday: true }, /^birthday must be an RFC 3339 timestamp, a date/],
			[{ birthday: -2_300_000_000 }, /birthday/],
			[{ avatar: "x".repeat(501) }, /avatar/],
			[{ signature: "x".repeat(201) }, /signature/],
			[{ region: "x".repeat(101) }, /region/],
		];
		for (const [body, message] of cases) {
			const res = await fails("PUT", "/users/me", 400, 400, { token: u.token, body });
			expect(res.body.message, JSON.stringify(body)).toMatch(message);
		}
	});

	it("refuses reserved (20102) and taken (409/20101) nicknames", async () => {
		const a = await registerUser();
		const b = await registerUser();
		for (const nickname of ["admin", "The Admin", "系统消息", "客服", "官方号"]) {
			await fails("PUT", "/users/me", 400, 20102, { token: a.token, body: { nickname } });
		}
		await fails("PUT", "/users/me", 409, 20101, { token: a.token, body: { nickname: b.nickname } });
	});

	it("tells the user's other devices (user.profile_updated), not the device that made the change", async () => {
		const u = await registerUser();
		const other = await loginDevice(u, `tablet-${tag()}`);
		const mine = await connect(u.token);
		const theirs = await connect(other.token);
		await ok("PUT", "/users/me", { token: u.token, body: { signature: "changed", gender: 1 } });
		const [n] = await theirs.waitForNotification("user.profile_updated");
		expect(n!.payload).toEqual({
			notificationType: "user.profile_updated",
			timestamp: expect.any(Number),
			data: { userId: u.userId, nickname: u.nickname, avatar: "", signature: "changed", gender: 1, region: "" },
		});
		await roundTrip(mine);
		expect(mine.notifications("user.profile_updated")).toHaveLength(0);

		// An empty update changes nothing and tells nobody.
		await ok("PUT", "/users/me", { token: u.token, body: {} });
		await roundTrip(theirs);
		expect(theirs.notifications("user.profile_updated")).toHaveLength(1);
		mine.close();
		theirs.close();
	});
});

describe("GET /users/{userId}", () => {
	it("returns another user's public profile with relation flags", async () => {
		const a = await registerUser();
		const b = await registerUser();
		await ok("PUT", "/users/me", { token: b.token, body: { signature: "sig", region: "Paris", gender: 1 } });
		const profile = await ok("GET", `/users/${b.userId}`, { token: a.token });
		expect(profile).toEqual({
			userId: b.userId,
			nickname: b.nickname,
			avatar: "",
			signature: "sig",
			gender: 1,
			region: "Paris",
			isFriend: false,
			isBlocked: false,
		});
		// Private fields never leak.
		expect(profile).not.toHaveProperty("email");
		expect(profile).not.toHaveProperty("phone");
	});

	it("answers an unknown user with 404/20103 and a bad ID with 400", async () => {
		const a = await registerUser();
		await fails("GET", "/users/00000000-0000-4000-8000-000000000000", 404, 20103, { token: a.token });
		await fails("GET", `/users/${"x".repeat(65)}`, 400, 400, { token: a.token });
		await fails("GET", `/users/${a.userId}`, 401, 401);
	});
});

describe("settings", () => {
	it("start with the defaults and update partially", async () => {
		const u = await registerUser();
		const defaults = await ok("GET", "/users/me/settings", { token: u.token });
		expect(defaults).toEqual({
			userId: u.userId,
			notificationEnabled: true,
			soundEnabled: true,
			vibrationEnabled: true,
			messagePreviewEnabled: true,
			friendVerifyRequired: true,
			searchByPhone: true,
			searchById: true,
			language: "zh_CN",
		});
		const updated = await ok("PUT", "/users/me/settings", {
			token: u.token,
			body: { soundEnabled: false, searchById: false, language: "en-US" },
		});
		expect(updated).toEqual({ ...defaults, soundEnabled: false, searchById: false, language: "en-US" });
		expect(await ok("GET", "/users/me/settings", { token: u.token })).toEqual(updated);
		expect(await ok("PUT", "/users/me/settings", { token: u.token, body: {} })).toEqual(updated);
	});

	it("refuses wrong types and a too long language", async () => {
		const u = await registerUser();
		for (const body of [{ soundEnabled: "yes" }, { searchById: 1 }, { language: "" }, { language: "x".repeat(11) }]) {
			const res = await fails("PUT", "/users/me/settings", 400, 400, { token: u.token, body });
			expect(res.body.message).toContain(Object.keys(body)[0]);
		}
		await fails("GET", "/users/me/settings", 401, 401);
	});
});

describe("GET /users/search", () => {
	it("matches nickname substrings, paginated, with the total", async () => {
		const me = await registerUser();
		const stem = `srch${tag()}`.slice(0, 14);
		const ids: string[] = [];
		for (const suffix of ["a", "b", "c"]) ids.push((await registerUser({ nickname: `${stem}${suffix}` })).userId);
		const all = await ok("GET", `/users/search?keyword=${stem}`, { token: me.token });
		expect(all.total).toBe(3);
		expect(all.users.map((u: { userId: string }) => u.userId).sort()).toEqual([...ids].sort());
		expect(Object.keys(all.users[0]).sort()).toEqual(["avatar", "nickname", "signature", "userId"]);

		const inner = stem.slice(3, 12);
		expect((await ok("GET", `/users/search?keyword=${inner}`, { token: me.token })).total).toBe(3);

		const p1 = await ok("GET", `/users/search?keyword=${stem}&page=1&pageSize=2`, { token: me.token });
		const p2 = await ok("GET", `/users/search?keyword=${stem}&page=2&pageSize=2`, { token: me.token });
		const p3 = await ok("GET", `/users/search?keyword=${stem}&page=3&pageSize=2`, { token: me.token });
		expect([p1.users.length, p2.users.length, p3.users.length]).toEqual([2, 1, 0]);
		expect([p1.total, p2.total, p3.total]).toEqual([3, 3, 3]);
		const paged = [...p1.users, ...p2.users].map((u: { userId: string }) => u.userId);
		expect(new Set(paged).size).toBe(3);
	});

	it("finds an exact phone number only when the owner allows it", async () => {
		const me = await registerUser();
		const target = await registerWithPhone(`ph${tag()}`.slice(0, 20));
		const found = await ok("GET", `/users/search?keyword=${target.phone}`, { token: me.token });
		expect(found.users.map((u: { userId: string }) => u.userId)).toEqual([target.userId]);
		expect(found.users[0]).not.toHaveProperty("phone");
		// A part of the number is not a match.
		expect((await ok("GET", `/users/search?keyword=${target.phone.slice(0, 8)}`, { token: me.token })).total).toBe(0);

		// An E.164 number typed without encoding its "+" (which then arrives as a space) still matches.
		const e164 = await ok("POST", "/auth/register", {
			body: {
				phoneNumber: `+49${randomDigits(10)}`,
				password: PASSWORD,
				verifyCode: "1",
				deviceType: "web",
				deviceId: `d-${tag()}`,
				clientVersion: "1",
			},
		});
		const unencoded = await ok("GET", `/users/search?keyword=${e164.user.phone}`, { token: me.token });
		expect(unencoded.users.map((u: { userId: string }) => u.userId)).toEqual([e164.userId]);

		await ok("PUT", "/users/me/settings", { token: target.token, body: { searchByPhone: false } });
		expect(await ok("GET", `/users/search?keyword=${target.phone}`, { token: me.token })).toEqual({
			users: [],
			total: 0,
		});
	});

	it("finds an exact user ID only when the owner allows it", async () => {
		const me = await registerUser();
		const target = await registerUser();
		const found = await ok("GET", `/users/search?keyword=${target.userId}`, { token: me.token });
		expect(found.users.map((u: { userId: string }) => u.userId)).toEqual([target.userId]);
		expect((await ok("GET", `/users/search?keyword=${target.userId.slice(0, 13)}`, { token: me.token })).total).toBe(0);
		await ok("PUT", "/users/me/settings", { token: target.token, body: { searchById: false } });
		expect((await ok("GET", `/users/search?keyword=${target.userId}`, { token: me.token })).total).toBe(0);
		// The nickname still finds the user.
		expect((await ok("GET", `/users/search?keyword=${target.nickname}`, { token: me.token })).total).toBe(1);
	});

	it("treats LIKE wildcards literally and leaves disabled accounts out", async () => {
		const me = await registerUser();
		const stem = `wild${tag()}`.slice(0, 16);
		const u = await registerUser({ nickname: `${stem}_x` });
		expect((await ok("GET", `/users/search?keyword=${stem}_`, { token: me.token })).total).toBe(1);
		expect((await ok("GET", `/users/search?keyword=${stem}%25`, { token: me.token })).total).toBe(0);
		expect(
			(await ok("GET", `/users/search?keyword=${stem.slice(0, 4)}%25${stem.slice(5)}`, { token: me.token })).total,
		).toBe(0);
		await env.DB.prepare("UPDATE users SET status = 2 WHERE id = ?").bind(u.userId).run();
		expect((await ok("GET", `/users/search?keyword=${stem}`, { token: me.token })).total).toBe(0);
	});

	it("refuses a missing keyword and out-of-range paging with 400", async () => {
		const me = await registerUser();
		for (const query of [
			"",
			"?keyword=",
			"?keyword=%20%20",
			"?keyword=a&page=0",
			"?keyword=a&page=-1",
			"?keyword=a&page=abc",
			"?keyword=a&page=1.5",
			"?keyword=a&pageSize=0",
			"?keyword=a&pageSize=101",
			"?keyword=a&pageSize=x",
			"?keyword=a&page=1&page=2",
			`?keyword=${"k".repeat(101)}`,
		]) {
			const res = await fails("GET", `/users/search${query}`, 400, 400, { token: me.token });
			expect(res.body.message, query).toMatch(/keyword|page|pageSize/);
		}
		await ok("GET", "/users/search?keyword=a&page=1000&pageSize=100", { token: me.token });
		await fails("GET", "/users/search?keyword=a", 401, 401);
	});
});

describe("QR codes", () => {
	it("refresh issues a new 24-hour code that looks the user up; older codes stay valid until they expire", async () => {
		const u = await registerUser();
		const viewer = await registerUser();
		const before = (await ok("GET", "/users/me", { token: u.token })).qrcodeUrl as string;
		const fresh = await ok("POST", "/users/me/qrcode/refresh", { token: u.token });
		expect(fresh.qrcodeUrl).toMatch(new RegExp(`^anychat://qrcode\\?token=${u.userId}_[0-9a-f]{16}$`));
		expect(fresh.qrcodeUrl).not.toBe(before);
		expect(Math.abs(fresh.expiresAt - (nowSeconds() + 86400))).toBeLessThan(600);
		expect((await ok("GET", "/users/me", { token: u.token })).qrcodeUrl).toBe(fresh.qrcodeUrl);

		const card = { userId: u.userId, nickname: u.nickname, avatar: "", signature: "" };
		expect(await ok("GET", `/users/qrcode?qrcode=${tokenOfQr(fresh.qrcodeUrl)}`, { token: viewer.token })).toEqual(
			card,
		);
		expect(await ok("GET", `/users/qrcode?qrcode=${tokenOfQr(before)}`, { token: viewer.token })).toEqual(card);
	});

	it("answers an unknown code with 20105 and an expired one with 20104", async () => {
		const u = await registerUser();
		await fails("GET", "/users/qrcode?qrcode=nope_0123456789abcdef", 400, 20105, { token: u.token });
		const qr = tokenOfQr((await ok("POST", "/users/me/qrcode/refresh", { token: u.token })).qrcodeUrl);
		await env.DB.prepare("UPDATE user_qrcodes SET expires_at = ? WHERE token = ?")
			.bind(nowSeconds() - 1, qr)
			.run();
		await fails("GET", `/users/qrcode?qrcode=${qr}`, 400, 20104, { token: u.token });
		const res = await fails("GET", "/users/qrcode", 400, 400, { token: u.token });
		expect(res.body.message).toMatch(/qrcode/);
		await fails("GET", `/users/qrcode?qrcode=${qr}`, 401, 401);
		await fails("POST", "/users/me/qrcode/refresh", 401, 401);
	});
});

describe("POST /users/me/push-token", () => {
	it("stores the token of a device and replaces it on the next call", async () => {
		const u = await registerUser();
		const row = () =>
			env.DB.prepare("SELECT push_token AS token, platform FROM push_tokens WHERE user_id = ? AND device_id = ?")
				.bind(u.userId, u.deviceId)
				.first();
		expect(
			await ok("POST", "/users/me/push-token", {
				token: u.token,
				body: { deviceId: u.deviceId, pushToken: "reg-1", platform: "ios" },
			}),
		).toBeNull();
		expect(await row()).toEqual({ token: "reg-1", platform: "ios" });
		await ok("POST", "/users/me/push-token", {
			token: u.token,
			body: { deviceId: u.deviceId, pushToken: "reg-2", platform: "android" },
		});
		expect(await row()).toEqual({ token: "reg-2", platform: "android" });
		const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM push_tokens WHERE user_id = ?")
			.bind(u.userId)
			.first<{ n: number }>();
		expect(count?.n).toBe(1);
	});

	it("refuses missing fields and needs a token", async () => {
		const u = await registerUser();
		for (const body of [
			{ pushToken: "x", platform: "ios" },
			{ deviceId: u.deviceId, platform: "ios" },
			{ deviceId: u.deviceId, pushToken: "x" },
			{ deviceId: u.deviceId, pushToken: "", platform: "ios" },
			{ deviceId: u.deviceId, pushToken: "x".repeat(501), platform: "ios" },
		]) {
			await fails("POST", "/users/me/push-token", 400, 400, { token: u.token, body });
		}
		await fails("POST", "/users/me/push-token", 401, 401, {
			body: { deviceId: u.deviceId, pushToken: "x", platform: "ios" },
		});
	});
});
