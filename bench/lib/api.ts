/** The product's REST API as the benchmark uses it to build its world (users, friends, groups). */

export interface BenchUser {
	index: number;
	userId: string;
	email: string;
	/** Access token of device "d1". */
	token: string;
}

export const PASSWORD = "benchPass123";

export class ApiError extends Error {}

export class Api {
	constructor(readonly base: string) {}

	async call<T = any>(method: string, path: string, token?: string, body?: unknown, timeoutMs = 30_000): Promise<T> {
		const headers: Record<string, string> = {};
		if (token) headers.authorization = `Bearer ${token}`;
		if (body !== undefined) headers["content-type"] = "application/json";
		const res = await fetch(`${this.base}/api/v1${path}`, {
			method,
			headers,
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(timeoutMs),
		});
		const text = await res.text();
		let env: { code: number; message: string; data: T };
		try {
			env = JSON.parse(text);
		} catch {
			throw new ApiError(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
		}
		if (env.code !== 0) throw new ApiError(`${method} ${path}: ${env.code} ${env.message}`);
		return env.data;
	}

	/** Requests that took longer than 5 s (the server stalled), for the report. */
	slow: { path: string; ms: number }[] = [];

	async register(index: number, runId: string): Promise<BenchUser> {
		const email = `u${index}.${runId}@bench.example.com`;
		const body = {
			email,
			password: PASSWORD,
			verifyCode: "000000",
			nickname: `bench${index}`,
			deviceType: "Web",
			deviceId: "d1",
			clientVersion: "bench",
		};
		const t = performance.now();
		try {
			const d = await this.call<{ userId: string; accessToken: string }>(
				"POST",
				"/auth/register",
				undefined,
				body,
				60_000,
			);
			return { index, userId: d.userId, email, token: d.accessToken };
		} catch (e) {
			// One retry; if the first attempt did land meanwhile, the account exists and a login gets its token.
			this.slow.push({
				path: `register failed once: ${String(e).slice(0, 120)}`,
				ms: Math.round(performance.now() - t),
			});
			try {
				const d = await this.call<{ userId: string; accessToken: string }>(
					"POST",
					"/auth/register",
					undefined,
					body,
					60_000,
				);
				return { index, userId: d.userId, email, token: d.accessToken };
			} catch (again) {
				if (!String(again).includes("already registered")) throw again;
				const d = await this.call<{ userId: string; accessToken: string }>("POST", "/auth/login", undefined, {
					account: email,
					password: PASSWORD,
					deviceType: "Web",
					deviceId: "d1",
					clientVersion: "bench",
				});
				return { index, userId: d.userId, email, token: d.accessToken };
			}
		} finally {
			const ms = performance.now() - t;
			if (ms > 5000) this.slow.push({ path: "/auth/register", ms: Math.round(ms) });
		}
	}

	/** A second device's token (one more PBKDF2 verification on the server). */
	async login(user: BenchUser, deviceId: string): Promise<string> {
		const d = await this.call<{ accessToken: string }>("POST", "/auth/login", undefined, {
			account: user.email,
			password: PASSWORD,
			deviceType: "PC",
			deviceId,
			clientVersion: "bench",
		});
		return d.accessToken;
	}

	/** Friend requests to this user are accepted at once from now on. */
	openToFriends(user: BenchUser): Promise<unknown> {
		return this.call("PUT", "/users/me/settings", user.token, { friendVerifyRequired: false });
	}

	async befriend(from: BenchUser, to: BenchUser): Promise<void> {
		const d = await this.call<{ autoAccepted: boolean }>("POST", "/friends/requests", from.token, {
			userId: to.userId,
			message: "",
			source: "search",
		});
		if (!d.autoAccepted) throw new ApiError(`friend request ${from.index}→${to.index} was not auto-accepted`);
	}

	async createGroup(owner: BenchUser, name: string, members: BenchUser[]): Promise<string> {
		// Creating a large group notifies every member's hub: allow it minutes, not seconds.
		const body = { name, memberIds: members.map((m) => m.userId) };
		const d = await this.call<{ groupId: string }>("POST", "/groups", owner.token, body, 180_000);
		return d.groupId;
	}
}

export { privateConversationId } from "../../contracts/ids";
