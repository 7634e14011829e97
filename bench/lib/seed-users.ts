/**
 * Users in bulk: registration costs ~25-40 ms a user by design (PBKDF2-100k on the server), so
 * only a handful of users go through `POST /auth/register`; the rest are written into the
 * product's local D1 before it starts, with the rows a registration writes (users, user_settings,
 * user_qrcodes, device_sessions, user_devices), and the bench mints their access tokens itself.
 *
 * The token key: in development the product signs with a secret it generates once and keeps in
 * D1 (`dev_secrets`, row "jwt", see workers/lib/secrets.ts); the bench writes that row first, with
 * a fresh random value of the same shape, so the product signs and verifies with it as with its own.
 * Tokens are what `mintTokens` issues: HS256, claims userId, deviceId, deviceType, tokenType
 * "access", sid (the device session's id) and jti, valid ACCESS_TOKEN_TTL seconds.
 */
import { pbkdf2Sync, randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { SignJWT } from "jose";
import { type BenchUser, PASSWORD } from "./api";
import { inserts, sqlText } from "./sql";

/** `[vars]` of the development configuration (the first occurrence: the top level, not [env.production]). */
function wranglerVar(root: string, name: string, fallback: number): number {
	try {
		const m = new RegExp(`^${name}\\s*=\\s*"?(\\d+)"?`, "m").exec(readFileSync(`${root}/wrangler.toml`, "utf8"));
		const n = Number(m?.[1]);
		return Number.isFinite(n) && n > 0 ? n : fallback;
	} catch {
		return fallback;
	}
}

/** The stored form of workers/lib/password.ts (`pbkdf2$<iterations>$<salt>$<hash>`), so seeded users can log in too. */
function passwordHash(password: string): string {
	const salt = randomBytes(16);
	const hash = pbkdf2Sync(password, salt, 100_000, 32, "sha256");
	return `pbkdf2$100000$${salt.toString("base64")}$${hash.toString("base64")}`;
}

export interface SeededUsers {
	users: BenchUser[];
	sql: string;
}

/**
 * Users `from` .. `to - 1` as `register` would create them (same e-mail, nickname, device "d1" of
 * type "Web", password PASSWORD), each with a minted access token of its device session.
 * `openToFriends`: indices whose friend requests are accepted at once (friend_verify_required 0,
 * what PUT /users/me/settings { friendVerifyRequired: false } writes).
 */
export async function seedUsers(opts: {
	root: string;
	runId: string;
	from: number;
	to: number;
	openToFriends?: number[];
}): Promise<SeededUsers> {
	const t = Math.floor(Date.now() / 1000);
	const accessTtl = wranglerVar(opts.root, "ACCESS_TOKEN_TTL", 7200);
	const refreshTtl = wranglerVar(opts.root, "REFRESH_TOKEN_TTL", 604_800);
	const secret = randomBytes(48).toString("base64");
	const key = new TextEncoder().encode(secret);
	const hash = passwordHash(PASSWORD);
	const open = new Set(opts.openToFriends ?? []);
	const users: BenchUser[] = [];
	type Row = (string | number)[];
	const rows = {
		users: [] as Row[],
		settings: [] as Row[],
		qr: [] as Row[],
		sessions: [] as Row[],
		devices: [] as Row[],
	};
	for (let index = opts.from; index < opts.to; index++) {
		const userId = randomUUID();
		const email = `u${index}.${opts.runId}@bench.example.com`;
		const sid = randomUUID();
		const qr = `${userId}_${randomBytes(8).toString("hex")}`;
		rows.users.push([userId, email, hash, 1, `bench${index}`, qr, t, t]);
		rows.settings.push([userId, open.has(index) ? 0 : 1, t]);
		rows.qr.push([qr, userId, t, t + 24 * 3600]);
		rows.sessions.push([sid, userId, "d1", "Web", randomUUID(), t, t, t + refreshTtl]);
		rows.devices.push([userId, "d1", "Web", t]);
		const token = await new SignJWT({
			userId,
			deviceId: "d1",
			deviceType: "Web",
			tokenType: "access",
			sid,
			jti: randomUUID(),
		})
			.setProtectedHeader({ alg: "HS256", typ: "JWT" })
			.setIssuedAt(t)
			.setNotBefore(t)
			.setExpirationTime(t + accessTtl)
			.sign(key);
		users.push({ index, userId, email, token });
	}
	const sql = [
		`INSERT INTO dev_secrets (name, value) VALUES ('jwt', ${sqlText(secret)});`,
		...inserts(
			"users",
			["id", "email", "password_hash", "status", "nickname", "qrcode_token", "created_at", "updated_at"],
			rows.users,
		),
		...inserts("user_settings", ["user_id", "friend_verify_required", "updated_at"], rows.settings),
		...inserts("user_qrcodes", ["token", "user_id", "created_at", "expires_at"], rows.qr),
		...inserts(
			"device_sessions",
			["id", "user_id", "device_id", "device_type", "refresh_jti", "created_at", "refreshed_at", "expires_at"],
			rows.sessions,
		),
		...inserts("user_devices", ["user_id", "device_id", "device_type", "last_login_at"], rows.devices),
	];
	return { users, sql: `${sql.join("\n")}\n` };
}

/**
 * `target` and each of `friends` become friends as an auto-accepted `POST /friends/requests` from
 * the friend leaves them in D1: an accepted request and one friendship row per direction. The
 * private Conversation is not told: one that never synced loads this from D1 on its first message
 * (durable-objects/conversation/access.ts), and stores it as a sync would.
 */
export function friendshipsSql(target: BenchUser, friends: BenchUser[]): string {
	const t = Math.floor(Date.now() / 1000);
	return `${[
		...inserts(
			"friend_requests",
			["from_user_id", "to_user_id", "message", "source", "status", "created_at", "updated_at"],
			friends.map((f) => [f.userId, target.userId, "", "search", "accepted", t, t]),
		),
		...inserts(
			"friendships",
			["user_id", "friend_id", "remark", "created_at", "updated_at"],
			friends.flatMap((f) => [
				[f.userId, target.userId, "", t, t],
				[target.userId, f.userId, "", t, t],
			]),
		),
	].join("\n")}\n`;
}
