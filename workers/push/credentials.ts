import { importPKCS8 } from "jose";

/**
 * A push credential the provider cannot use as configured (bad JSON or key) or refused. Permanent:
 * the push is logged as failed with this reason and the queue message is acknowledged, since
 * sending it again would meet the same credential.
 */
export class CredentialError extends Error {
	override readonly name = "CredentialError";
}

/** Where a provider's bearer token comes from: a hand-minted one, or one minted and renewed here. */
export interface BearerSource {
	/** Rejects with a CredentialError when the configured credential is unusable. */
	token(): Promise<string>;
	/**
	 * The provider refused `token`: forget it. True when a fresh token may differ (a renewed
	 * credential); a fixed token would only be refused again.
	 */
	refused(token: string): boolean;
}

/** A token minted by the operator (`FCM_ACCESS_TOKEN`, `APNS_BEARER_TOKEN`): used as it is until replaced. */
export const fixedBearer = (token: string): BearerSource => ({
	token: async () => token,
	refused: () => false,
});

/**
 * PEM text from a secret as it may arrive: a file put with `wrangler secret put NAME < file`
 * keeps its line breaks, a one-line value in .dev.vars often carries them as `\n`.
 */
const pemOf = (text: string) => text.replaceAll("\\n", "\n").trim();

/** The signing key in a secret's PEM text (PKCS#8), or a CredentialError saying what it should have been. */
export async function signingKeyOf(pem: string, alg: "ES256" | "RS256", problem: string): Promise<CryptoKey> {
	try {
		return await importPKCS8(pemOf(pem), alg);
	} catch {
		throw new CredentialError(problem);
	}
}

/** A provider's answer that the bearer token itself was refused (expired, revoked, wrong key). */
export interface Refusal {
	refused: string;
}

/**
 * One push with the source's token. A refused token is dropped and, where a fresh one may differ,
 * the push is tried once more with it; refused again, it is a CredentialError (never a loop).
 */
export async function sendWithBearer<T>(
	provider: string,
	bearer: BearerSource,
	send: (token: string) => Promise<T | Refusal>,
): Promise<T> {
	for (let tries = 1; ; tries++) {
		const token = await bearer.token();
		const result = await send(token);
		if (!(result && typeof result === "object" && "refused" in result)) return result as T;
		if (!bearer.refused(token) || tries >= 2)
			throw new CredentialError(`${provider} refused the token (${result.refused})`);
	}
}
