import { AwsClient } from "aws4fetch";
import type { FileRow } from "../../db/files";
import type { Bindings } from "../../domain/env";
import { BLOB_PATH } from "../../domain/file-refs";
import { now } from "../../domain/time";
import { filesUrlKey } from "../lib/secrets";

/**
 * Signed URLs for a file's bytes: R2 presigned URLs when R2 S3 credentials are configured,
 * otherwise HMAC-signed URLs of the Worker's own byte route (`/blob/<fileId>`).
 */

export type Op = "get" | "put";

const b64url = (bytes: ArrayBuffer) =>
	btoa(String.fromCharCode(...new Uint8Array(bytes)))
		.replace(/\+/g, "-")
		.replace(/\//g, "_")
		.replace(/=+$/, "");

async function hmac(env: Bindings, text: string): Promise<string> {
	const key = await crypto.subtle.importKey("raw", await filesUrlKey(env), { name: "HMAC", hash: "SHA-256" }, false, [
		"sign",
	]);
	return b64url(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text)));
}

/** The signature covers operation, file and expiry, so a download URL cannot be used to upload. */
const signedPayload = (op: Op, fileId: string, exp: number) => `${op}\n${fileId}\n${exp}`;

/** Checks a signed URL of the Worker's byte route; false when forged, altered or expired. */
export async function verifyBlobSignature(env: Bindings, op: Op, fileId: string, url: URL): Promise<boolean> {
	const exp = Number(url.searchParams.get("exp"));
	const sig = url.searchParams.get("sig") ?? "";
	if (url.searchParams.get("op") !== op || !Number.isInteger(exp) || exp < now()) return false;
	const expected = new TextEncoder().encode(await hmac(env, signedPayload(op, fileId, exp)));
	const given = new TextEncoder().encode(sig);
	return expected.length === given.length && crypto.subtle.timingSafeEqual(expected, given);
}

function r2S3(env: Bindings): { client: AwsClient; endpoint: string } | null {
	if (!env.R2_ACCOUNT_ID || !env.R2_ACCESS_KEY_ID || !env.R2_SECRET_ACCESS_KEY) return null;
	return {
		client: new AwsClient({
			accessKeyId: env.R2_ACCESS_KEY_ID,
			secretAccessKey: env.R2_SECRET_ACCESS_KEY,
			service: "s3",
			region: "auto",
		}),
		endpoint: `https://${env.R2_ACCOUNT_ID}.r2.cloudflarestorage.com/${env.R2_BUCKET_NAME ?? "anychat-files"}`,
	};
}

/**
 * A URL that lets its holder PUT or GET one file's bytes for `ttl` seconds without a token.
 * With R2 S3 credentials configured it is a real R2 presigned URL (the bytes never pass the
 * Worker; PUT signs Content-Type, so R2 refuses another type); otherwise it points at the
 * Worker's own byte route, HMAC-signed with FILES_URL_SECRET.
 */
export async function signedFileUrl(
	env: Bindings,
	origin: string,
	op: Op,
	file: Pick<FileRow, "id" | "storageKey" | "mimeType">,
	ttl: number,
): Promise<{ url: string; headers: Record<string, string> }> {
	const s3 = r2S3(env);
	const headers: Record<string, string> = op === "put" ? { "Content-Type": file.mimeType } : {};
	if (s3) {
		const url = new URL(`${s3.endpoint}/${file.storageKey.split("/").map(encodeURIComponent).join("/")}`);
		url.searchParams.set("X-Amz-Expires", String(ttl));
		const signed = await s3.client.sign(new Request(url, { method: op === "put" ? "PUT" : "GET", headers }), {
			// allHeaders: aws4fetch leaves Content-Type unsigned by default; signing it makes R2 refuse another type.
			aws: { signQuery: true, allHeaders: true },
		});
		return { url: signed.url, headers };
	}
	const exp = now() + ttl;
	const sig = await hmac(env, signedPayload(op, file.id, exp));
	return { url: `${origin}${BLOB_PATH}${file.id}?op=${op}&exp=${exp}&sig=${sig}`, headers };
}
