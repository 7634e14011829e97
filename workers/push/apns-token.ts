import { SignJWT } from "jose";
import { type BearerSource, signingKeyOf } from "./credentials";

/** An APNs signing key: the `.p8` text (`APNS_KEY`), its key id and the developer team's id. */
export interface ApnsKey {
	key: string;
	keyId: string;
	teamId: string;
}

/**
 * Apple refuses provider tokens older than 60 minutes (ExpiredProviderToken) and renewals closer
 * than 20 minutes apart (TooManyProviderTokenUpdates): 50 minutes sits between the two.
 */
export const APNS_TOKEN_RENEW_MS = 50 * 60_000;

interface MintedToken {
	key: string;
	mintedAt: number;
	token: Promise<string>;
	/** The token once signed, so a refusal can drop exactly the token that was refused. */
	value?: string;
}

/** Per isolate, per team and key id: every push of the isolate shares one token until it is renewed. */
const minted = new Map<string, MintedToken>();

async function mint(k: ApnsKey, at: number): Promise<string> {
	const key = await signingKeyOf(k.key, "ES256", "APNS_KEY is not a PKCS#8 P-256 private key (the .p8 file's text)");
	return new SignJWT({})
		.setProtectedHeader({ alg: "ES256", kid: k.keyId })
		.setIssuer(k.teamId)
		.setIssuedAt(Math.floor(at / 1000))
		.sign(key);
}

/** The APNs provider token of this key: signed here (ES256), renewed once it is 50 minutes old. */
export function apnsProviderToken(k: ApnsKey, at = Date.now()): Promise<string> {
	const id = `${k.teamId}/${k.keyId}`;
	const held = minted.get(id);
	// A rotated .p8 under the same key id (a secret put again) must not keep the old key's token.
	// Only a signed token is shared: a signing in flight belongs to the request that started it (in
	// workerd, waiters on another request's pending promise resume in that request's context).
	if (held?.value && held.key === k.key && at - held.mintedAt < APNS_TOKEN_RENEW_MS) return Promise.resolve(held.value);
	const token = mint(k, at);
	const entry: MintedToken = { key: k.key, mintedAt: at, token };
	minted.set(id, entry);
	token.then(
		(value) => {
			entry.value = value;
		},
		() => {
			if (minted.get(id) === entry) minted.delete(id);
		},
	);
	return token;
}

/** Apple refused `token` (expired or invalid): the next push mints a new one. */
export function dropApnsProviderToken(k: ApnsKey, token: string): void {
	const id = `${k.teamId}/${k.keyId}`;
	if (minted.get(id)?.value === token) minted.delete(id);
}

/** Bearer tokens for APNs from the key, renewed here. */
export const apnsKeyBearer = (k: ApnsKey): BearerSource => ({
	token: () => apnsProviderToken(k),
	refused(token) {
		dropApnsProviderToken(k, token);
		return true;
	},
});
