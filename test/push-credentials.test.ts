import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { decodeProtectedHeader, jwtVerify } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Bindings, Secrets } from "../domain/env";
import type { QueuedPush } from "../platform/push-jobs";
import worker from "../workers/index";
import { APNS_TOKEN_RENEW_MS, apnsProviderToken } from "../workers/push/apns-token";
import { FCM_RENEW_BEFORE_MS, fcmAccessToken, parseServiceAccount } from "../workers/push/fcm-token";
import { ok } from "./fixtures/api";
import { apnsKey, FAKE_APNS_HOST, FAKE_TOKEN_URI, fakePushServices, serviceAccount } from "./fixtures/push-services";
import { registerUser } from "./fixtures/users";

interface PushLog {
	user_id: string;
	provider: string;
	status: string;
	error: string | null;
}

const logsOf = async (userIds: string[]) =>
	(
		await env.DB.prepare(
			`SELECT user_id, provider, status, error FROM push_logs WHERE user_id IN (${userIds.map(() => "?").join(",")}) ORDER BY id`,
		)
			.bind(...userIds)
			.all<PushLog>()
	).results;

/** Fresh users, each with one device token on `platform`. */
async function usersWithTokens(count: number, platform: "Android" | "iOS") {
	const users = await Promise.all(Array.from({ length: count }, () => registerUser()));
	for (const u of users)
		await ok("POST", "/users/me/push-token", {
			token: u.token,
			body: { deviceId: u.deviceId, pushToken: `tok-${u.userId}`, platform },
		});
	return users.map((u) => u.userId);
}

/**
 * One queue message for these users through the Worker's queue handler (the real consumer, D1
 * and hubs) with these push settings; returns what the consumer did with the message.
 */
async function consume(secrets: Secrets, userIds: string[]) {
	const body: QueuedPush = {
		type: "friend.request",
		title: "好友申请",
		body: "hi",
		conversationId: "",
		data: {},
		userIds,
	};
	const id = crypto.randomUUID();
	const batch = createMessageBatch<QueuedPush>("anychat-push", [{ id, timestamp: new Date(), attempts: 1, body }]);
	const ctx = createExecutionContext();
	await worker.queue(batch, { ...env, ...secrets } as Bindings);
	const result = await getQueueResult(batch, ctx);
	return { id, result };
}

/** Acknowledged, not handed back to the queue for another attempt. */
const expectAcked = ({ id, result }: Awaited<ReturnType<typeof consume>>) => {
	expect(result.explicitAcks).toEqual([id]);
	expect(result.retryMessages).toEqual([]);
	expect(result.retryBatch.retry).toBe(false);
};

afterEach(() => {
	vi.restoreAllMocks();
});

describe("APNs provider tokens from the key", () => {
	it("signs ES256 tokens that verify with the key's public key, renewed once they are 50 minutes old", async () => {
		const k = await apnsKey();
		const t0 = Date.now();
		const first = await apnsProviderToken(k, t0);
		const { payload, protectedHeader } = await jwtVerify(first, k.publicKey, { algorithms: ["ES256"] });
		expect(protectedHeader).toEqual({ alg: "ES256", kid: k.keyId });
		expect(payload).toEqual({ iss: k.teamId, iat: Math.floor(t0 / 1000) });

		// Apple refuses renewals less than 20 minutes apart: the token is shared until 50 minutes.
		expect(await apnsProviderToken(k, t0 + 20 * 60_000)).toBe(first);
		expect(await apnsProviderToken(k, t0 + APNS_TOKEN_RENEW_MS - 1)).toBe(first);
		const renewed = await apnsProviderToken(k, t0 + APNS_TOKEN_RENEW_MS);
		expect(renewed).not.toBe(first);
		const again = await jwtVerify(renewed, k.publicKey, { algorithms: ["ES256"] });
		expect(again.payload.iat).toBe(Math.floor((t0 + APNS_TOKEN_RENEW_MS) / 1000));
		expect(APNS_TOKEN_RENEW_MS).toBeGreaterThan(20 * 60_000);
		expect(APNS_TOKEN_RENEW_MS).toBeLessThan(60 * 60_000);
	});

	it("pushes to iOS devices with the signed token, and after ExpiredProviderToken tries once more with a fresh one", async () => {
		const k = await apnsKey();
		const secrets = { APNS_KEY: k.key, APNS_KEY_ID: k.keyId, APNS_TEAM_ID: k.teamId, APNS_TOPIC: "com.example.app" };
		const users = await usersWithTokens(2, "iOS");
		// The first token is refused as expired; the fresh one is accepted.
		const fake = fakePushServices({
			apns: k,
			apnsAnswer: (_, n) =>
				n === 1 ? new Response(JSON.stringify({ reason: "ExpiredProviderToken" }), { status: 403 }) : undefined,
		});
		expectAcked(await consume({ ...secrets, APNS_HOST: FAKE_APNS_HOST }, users));
		expect(fake.apnsSends.map((s) => s.deviceToken)).toEqual([`tok-${users[0]}`, `tok-${users[0]}`, `tok-${users[1]}`]);
		expect(fake.apnsSends.every((s) => s.topic === "com.example.app")).toBe(true);
		const [refused, fresh, shared] = fake.apnsSends.map((s) => s.bearer);
		expect(fresh).not.toBe(refused);
		expect(shared).toBe(fresh);
		expect(decodeProtectedHeader(fresh!)).toEqual({ alg: "ES256", kid: k.keyId });
		expect(await logsOf(users)).toEqual(
			users.map((u) => ({ user_id: u, provider: "apns", status: "sent", error: null })),
		);
	});

	it("a token refused again after the fresh try is logged as a credential failure and the message acknowledged", async () => {
		const k = await apnsKey();
		const other = await apnsKey();
		const users = await usersWithTokens(1, "iOS");
		// Apple knows another key under this id (a revoked key): every token is refused.
		const fake = fakePushServices({ apns: { ...other, keyId: k.keyId, teamId: k.teamId } });
		const secrets = { APNS_KEY: k.key, APNS_KEY_ID: k.keyId, APNS_TEAM_ID: k.teamId, APNS_TOPIC: "com.example.app" };
		expectAcked(await consume({ ...secrets, APNS_HOST: FAKE_APNS_HOST }, users));
		expect(fake.apnsSends).toHaveLength(2);
		expect(await logsOf(users)).toEqual([
			{
				user_id: users[0],
				provider: "apns",
				status: "failed",
				error: "credential: APNs refused the token (403 InvalidProviderToken)",
			},
		]);
	});
});

describe("FCM access tokens from the service account", () => {
	it("exchanges a signed assertion once for a batch and pushes with the access token", async () => {
		const account = await serviceAccount();
		const users = await usersWithTokens(3, "Android");
		const fake = fakePushServices({ account });
		expectAcked(await consume({ FCM_SERVICE_ACCOUNT: account.json }, users));

		// The fake endpoint verified the RS256 assertion with the account's public key and its claims.
		expect(fake.tokenRequests).toHaveLength(1);
		const [grant] = fake.tokenRequests;
		expect(grant!.refused).toBeUndefined();
		const { payload, protectedHeader } = await jwtVerify(grant!.assertion, account.publicKey, {
			algorithms: ["RS256"],
		});
		expect(protectedHeader).toEqual({ alg: "RS256", typ: "JWT", kid: account.fields.private_key_id });
		expect(payload).toEqual({
			iss: account.fields.client_email,
			scope: "https://www.googleapis.com/auth/firebase.messaging",
			aud: FAKE_TOKEN_URI,
			iat: expect.any(Number),
			exp: payload.iat! + 3600,
		});
		expect(fake.fcmSends).toEqual(
			users.map((u) => ({ projectId: account.fields.project_id, bearer: grant!.granted, deviceToken: `tok-${u}` })),
		);
		expect(await logsOf(users)).toEqual(
			users.map((u) => ({ user_id: u, provider: "fcm", status: "sent", error: null })),
		);
	});

	it("keeps the access token until five minutes before it expires", async () => {
		const account = await serviceAccount();
		const sa = parseServiceAccount(account.json);
		const fake = fakePushServices({ account });
		const t0 = Date.now();
		const tokens: string[] = [];
		for (let i = 0; i < 5; i++) tokens.push(await fcmAccessToken(sa, t0 + i));
		expect(fake.tokenRequests).toHaveLength(1);
		expect(new Set(tokens)).toEqual(new Set([fake.tokenRequests[0]!.granted]));

		// Granted for 3,599 s: kept until 5 minutes before that, then exchanged again.
		const renewAt = t0 + 3599_000 - FCM_RENEW_BEFORE_MS;
		expect(await fcmAccessToken(sa, renewAt - 1)).toBe(tokens[0]);
		expect(fake.tokenRequests).toHaveLength(1);
		const renewed = await fcmAccessToken(sa, renewAt);
		expect(fake.tokenRequests).toHaveLength(2);
		expect(renewed).toBe(fake.tokenRequests[1]!.granted);
		expect(renewed).not.toBe(tokens[0]);
	});

	it("FCM_PROJECT_ID overrides the account's project, and the account wins over a hand-minted token", async () => {
		const account = await serviceAccount();
		const users = await usersWithTokens(1, "Android");
		const fake = fakePushServices({ account });
		const secrets = { FCM_SERVICE_ACCOUNT: account.json, FCM_PROJECT_ID: "other-project", FCM_ACCESS_TOKEN: "stale" };
		expectAcked(await consume(secrets, users));
		expect(fake.fcmSends).toEqual([
			{ projectId: "other-project", bearer: fake.tokenRequests[0]!.granted, deviceToken: `tok-${users[0]}` },
		]);
	});

	it("drops an access token FCM refuses (401) and tries once more with a fresh exchange", async () => {
		const account = await serviceAccount();
		const users = await usersWithTokens(1, "Android");
		const fake = fakePushServices({
			account,
			fcm: (_, n) => (n === 1 ? new Response("{}", { status: 401 }) : undefined),
		});
		expectAcked(await consume({ FCM_SERVICE_ACCOUNT: account.json }, users));
		expect(fake.tokenRequests).toHaveLength(2);
		expect(fake.fcmSends.map((s) => s.bearer)).toEqual(fake.tokenRequests.map((t) => t.granted));
		expect(await logsOf(users)).toEqual([{ user_id: users[0], provider: "fcm", status: "sent", error: null }]);
	});

	it("a token FCM refuses again is a logged credential failure: one fresh try, then the message is acknowledged", async () => {
		const account = await serviceAccount();
		const users = await usersWithTokens(1, "Android");
		const fake = fakePushServices({ account, fcm: () => new Response("{}", { status: 401 }) });
		expectAcked(await consume({ FCM_SERVICE_ACCOUNT: account.json }, users));
		expect(fake.fcmSends).toHaveLength(2);
		expect(await logsOf(users)).toEqual([
			{
				user_id: users[0],
				provider: "fcm",
				status: "failed",
				error: "credential: FCM refused the token (401 UNAUTHENTICATED)",
			},
		]);
	});

	it("an account the token endpoint refuses (invalid_grant) fails every push of the batch with one exchange, acknowledged", async () => {
		const account = await serviceAccount();
		const revoked = await serviceAccount({ client_email: account.fields.client_email });
		const users = await usersWithTokens(3, "Android");
		// Google knows another key for this account: the assertion's signature does not verify.
		const fake = fakePushServices({ account: revoked });
		expectAcked(await consume({ FCM_SERVICE_ACCOUNT: account.json }, users));
		expect(fake.tokenRequests.map((t) => t.refused)).toEqual(["Invalid JWT Signature."]);
		expect(fake.fcmSends).toEqual([]);
		const reason =
			"credential: the token endpoint refused FCM_SERVICE_ACCOUNT (400 invalid_grant: Invalid JWT Signature.)";
		expect(await logsOf(users)).toEqual(
			users.map((u) => ({ user_id: u, provider: "fcm", status: "failed", error: reason })),
		);
	});

	it("an outage of the token endpoint fails that push without holding it against the account", async () => {
		const account = await serviceAccount();
		const users = await usersWithTokens(1, "Android");
		const fake = fakePushServices({
			account,
			tokenAnswer: (n) => (n === 1 ? new Response("upstream unavailable", { status: 503 }) : undefined),
		});
		expectAcked(await consume({ FCM_SERVICE_ACCOUNT: account.json }, users));
		expect(await logsOf(users)).toEqual([
			{ user_id: users[0], provider: "fcm", status: "failed", error: "Error: FCM token endpoint answered 503" },
		]);
		// Not a refusal: the next push asks again and goes out.
		expectAcked(await consume({ FCM_SERVICE_ACCOUNT: account.json }, users));
		expect(fake.tokenRequests).toHaveLength(2);
		expect((await logsOf(users)).at(-1)).toMatchObject({ status: "sent", error: null });
	});
});

describe("malformed and hand-minted credentials", () => {
	it("a malformed service account or key fails the push with a clear reason and never reaches the network", async () => {
		const [android, ios] = await Promise.all([usersWithTokens(1, "Android"), usersWithTokens(1, "iOS")]);
		const fake = fakePushServices({});
		const sa = await serviceAccount();
		const cases: [Secrets, string[], string][] = [
			[{ FCM_SERVICE_ACCOUNT: "{ not json" }, android, "credential: FCM_SERVICE_ACCOUNT is not valid JSON"],
			[
				{
					FCM_SERVICE_ACCOUNT: JSON.stringify({
						...sa.fields,
						private_key: "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----",
					}),
				},
				android,
				"credential: FCM_SERVICE_ACCOUNT's private_key is not a PKCS#8 RSA private key",
			],
			[
				{ FCM_SERVICE_ACCOUNT: JSON.stringify({ ...sa.fields, project_id: undefined }) },
				android,
				"credential: FCM_SERVICE_ACCOUNT has no project_id and FCM_PROJECT_ID is unset",
			],
			[
				{ APNS_KEY: "not a key", APNS_KEY_ID: "K", APNS_TEAM_ID: "T", APNS_TOPIC: "com.example.app" },
				ios,
				"credential: APNS_KEY is not a PKCS#8 P-256 private key (the .p8 file's text)",
			],
			[
				{ APNS_KEY: (await apnsKey()).key, APNS_TOPIC: "com.example.app" },
				ios,
				"credential: APNS_KEY needs APNS_KEY_ID, APNS_TEAM_ID and APNS_TOPIC",
			],
		];
		for (const [secrets, users, reason] of cases) {
			expectAcked(await consume(secrets, users));
			expect((await logsOf(users)).at(-1)).toEqual({
				user_id: users[0],
				provider: expect.any(String),
				status: "failed",
				error: reason,
			});
		}
		expect([fake.tokenRequests, fake.fcmSends, fake.apnsSends]).toEqual([[], [], []]);
	});

	it("hand-minted tokens still work, and a refused one fails at once (a fixed token cannot be renewed)", async () => {
		const [android, ios] = await Promise.all([usersWithTokens(1, "Android"), usersWithTokens(1, "iOS")]);
		const fake = fakePushServices({});
		const handMinted = {
			FCM_PROJECT_ID: "hand-project",
			FCM_ACCESS_TOKEN: "hand-minted-fcm",
			APNS_BEARER_TOKEN: "hand-minted-apns",
			APNS_TOPIC: "com.example.app",
			APNS_HOST: FAKE_APNS_HOST,
		};
		expectAcked(await consume(handMinted, [...android, ...ios]));
		expect(fake.fcmSends).toEqual([
			{ projectId: "hand-project", bearer: "hand-minted-fcm", deviceToken: `tok-${android[0]}` },
		]);
		expect(fake.apnsSends.map((s) => s.bearer)).toEqual(["hand-minted-apns"]);
		expect((await logsOf([...android, ...ios])).map((r) => [r.provider, r.status])).toEqual([
			["fcm", "sent"],
			["apns", "sent"],
		]);

		// Expired: FCM refuses it, and there is nothing to renew it from.
		expectAcked(await consume({ ...handMinted, FCM_ACCESS_TOKEN: "expired" }, android));
		expect(fake.fcmSends).toHaveLength(2);
		expect((await logsOf(android)).at(-1)).toMatchObject({
			status: "failed",
			error: "credential: FCM refused the token (401 UNAUTHENTICATED)",
		});
	});
});
