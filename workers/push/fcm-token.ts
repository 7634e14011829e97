import { SignJWT } from "jose";
import { type BearerSource, CredentialError, signingKeyOf } from "./credentials";

/** The fields of a Google service account key (`FCM_SERVICE_ACCOUNT`, its JSON) that FCM needs. */
export interface ServiceAccount {
	clientEmail: string;
	privateKey: string;
	privateKeyId?: string;
	projectId?: string;
	/** Google's OAuth token endpoint as the key file names it. */
	tokenUri: string;
}

export const FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
const DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token";
/** A token is renewed this long before Google says it expires, so no push carries one that lapses in flight. */
export const FCM_RENEW_BEFORE_MS = 5 * 60_000;
/**
 * After a refusal (invalid_grant, a deleted key), the pushes of the next minute fail with the same
 * reason without asking Google again: a batch of a hundred pushes costs one refused exchange.
 */
export const FCM_REFUSAL_HOLD_MS = 60_000;

const text = (v: unknown) => (typeof v === "string" && v ? v : undefined);

/** Reads `FCM_SERVICE_ACCOUNT`; a malformed one is a CredentialError naming what is wrong. */
export function parseServiceAccount(json: string): ServiceAccount {
	let raw: Record<string, unknown>;
	try {
		raw = JSON.parse(json);
	} catch {
		throw new CredentialError("FCM_SERVICE_ACCOUNT is not valid JSON");
	}
	if (!raw || typeof raw !== "object") throw new CredentialError("FCM_SERVICE_ACCOUNT is not a JSON object");
	const clientEmail = text(raw.client_email);
	const privateKey = text(raw.private_key);
	if (!clientEmail || !privateKey)
		throw new CredentialError("FCM_SERVICE_ACCOUNT lacks client_email or private_key (a service account key file?)");
	return {
		clientEmail,
		privateKey,
		privateKeyId: text(raw.private_key_id),
		projectId: text(raw.project_id),
		tokenUri: text(raw.token_uri) ?? DEFAULT_TOKEN_URI,
	};
}

interface Grant {
	token: string;
	expiresAt: number;
}

/**
 * Only settled results are kept. An exchange in flight is not shared: in workerd a promise
 * resolved by another request's I/O resumes its waiters in that request's context, where their
 * own next I/O fails; the consumer sends a batch's pushes one after another anyway.
 */
interface HeldToken {
	privateKey: string;
	grant?: Grant;
	refusal?: CredentialError;
	refusedUntil?: number;
}

/** Per isolate, per service account and token endpoint. */
const held = new Map<string, HeldToken>();
const idOf = (sa: ServiceAccount) => `${sa.tokenUri} ${sa.clientEmail}`;

/** The OAuth error of a token endpoint's answer, e.g. "invalid_grant: Invalid JWT Signature.". */
function oauthError(body: string): string {
	try {
		const e = JSON.parse(body) as { error?: unknown; error_description?: unknown };
		if (typeof e.error === "string")
			return typeof e.error_description === "string" ? `${e.error}: ${e.error_description}` : e.error;
	} catch {}
	return body.slice(0, 200);
}

/** The RS256 assertion of the JWT bearer grant (RFC 7523) that Google's token endpoint exchanges. */
async function assertionOf(sa: ServiceAccount, at: number): Promise<string> {
	const key = await signingKeyOf(
		sa.privateKey,
		"RS256",
		"FCM_SERVICE_ACCOUNT's private_key is not a PKCS#8 RSA private key",
	);
	const iat = Math.floor(at / 1000);
	return new SignJWT({ scope: FCM_SCOPE })
		.setProtectedHeader({ alg: "RS256", typ: "JWT", ...(sa.privateKeyId ? { kid: sa.privateKeyId } : {}) })
		.setIssuer(sa.clientEmail)
		.setAudience(sa.tokenUri)
		.setIssuedAt(iat)
		.setExpirationTime(iat + 3600)
		.sign(key);
}

async function exchange(sa: ServiceAccount, at: number): Promise<Grant> {
	const res = await fetch(sa.tokenUri, {
		method: "POST",
		headers: { "content-type": "application/x-www-form-urlencoded" },
		body: new URLSearchParams({
			grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
			assertion: await assertionOf(sa, at),
		}),
	});
	const body = await res.text();
	// 400 invalid_grant (bad signature, deleted or disabled key, clock) and 401/403: the account
	// itself is refused. Anything else (5xx, a proxy's page) is an outage that may pass.
	if (res.status === 400 || res.status === 401 || res.status === 403)
		throw new CredentialError(`the token endpoint refused FCM_SERVICE_ACCOUNT (${res.status} ${oauthError(body)})`);
	if (!res.ok) throw new Error(`FCM token endpoint answered ${res.status}`);
	const grant = JSON.parse(body) as { access_token?: unknown; expires_in?: unknown };
	if (typeof grant.access_token !== "string" || typeof grant.expires_in !== "number")
		throw new Error("FCM token endpoint answered without access_token and expires_in");
	return { token: grant.access_token, expiresAt: at + grant.expires_in * 1000 };
}

/**
 * An FCM access token of the service account: exchanged at its token endpoint, kept until five
 * minutes before it expires.
 */
export function fcmAccessToken(sa: ServiceAccount, at = Date.now()): Promise<string> {
	const id = idOf(sa);
	let entry = held.get(id);
	// A key rotated under the same account starts afresh.
	if (entry && entry.privateKey !== sa.privateKey) entry = undefined;
	if (entry?.grant && at < entry.grant.expiresAt - FCM_RENEW_BEFORE_MS) return Promise.resolve(entry.grant.token);
	if (entry?.refusal && at < (entry.refusedUntil ?? 0)) return Promise.reject(entry.refusal);
	return exchange(sa, at).then(
		(grant) => {
			held.set(id, { privateKey: sa.privateKey, grant });
			return grant.token;
		},
		(e: unknown) => {
			if (e instanceof CredentialError)
				held.set(id, { privateKey: sa.privateKey, refusal: e, refusedUntil: at + FCM_REFUSAL_HOLD_MS });
			else held.delete(id);
			throw e;
		},
	);
}

/** FCM refused `token` (401): the next push exchanges the assertion again. */
export function dropFcmAccessToken(sa: ServiceAccount, token: string): void {
	const id = idOf(sa);
	if (held.get(id)?.grant?.token === token) held.delete(id);
}

/** Bearer tokens for FCM from the service account, renewed here. */
export const serviceAccountBearer = (sa: ServiceAccount): BearerSource => ({
	token: () => fcmAccessToken(sa),
	refused(token) {
		dropFcmAccessToken(sa, token);
		return true;
	},
});
