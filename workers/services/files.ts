import { AwsClient } from "aws4fetch";
import type { FileRow } from "../../db/files";
import type { Bindings } from "../../domain/env";
import { BLOB_PATH } from "../../domain/file-refs";
import { now } from "../../domain/time";
import { filesUrlKey } from "../lib/secrets";

export const FileStatus = { Deleted: 0, Active: 1, Processing: 2 } as const;

export const UPLOAD_URL_TTL = 3600;

export const newFileId = () => `file-${crypto.randomUUID()}`;

/** `<userId>/<YYYY-MM-DD>/<uuid>.<ext>` as in files.md; `bin` when the name has no usable extension. */
export function storageKey(userId: string, fileId: string, fileName: string, t: number): string {
	const day = new Date(t * 1000).toISOString().slice(0, 10);
	const ext = /\.([A-Za-z0-9]{1,10})$/.exec(fileName)?.[1]?.toLowerCase() ?? "bin";
	return `${userId}/${day}/${fileId.slice(5)}.${ext}`;
}

export const baseMime = (v: string | null | undefined) => (v ?? "").split(";")[0]!.trim().toLowerCase();

// ---- signed URLs -----------------------------------------------------------------------

type Op = "get" | "put";

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
	file: Pick<FileRow, "id" | "storage_key" | "mime_type">,
	ttl: number,
): Promise<{ url: string; headers: Record<string, string> }> {
	const s3 = r2S3(env);
	const headers: Record<string, string> = op === "put" ? { "Content-Type": file.mime_type } : {};
	if (s3) {
		const url = new URL(`${s3.endpoint}/${file.storage_key.split("/").map(encodeURIComponent).join("/")}`);
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

// ---- clean-up ----------------------------------------------------------------------------

/** Uploads never completed within a day are abandoned. */
const ABANDONED_AFTER = 24 * 3600;
const CLEANUP_BATCH = 500;

/**
 * Deletes files past `expiresAt` and abandoned uploads: the R2 object first, then the row and
 * its shares. Run by the cron trigger; each run handles up to CLEANUP_BATCH files.
 */
export async function cleanupExpiredFiles(env: Bindings, t = now()): Promise<number> {
	const rows = await env.DB.prepare(
		`SELECT id, storage_key FROM files
		  WHERE (expires_at IS NOT NULL AND expires_at <= ?) OR (status = 2 AND created_at <= ?)
		  LIMIT ?`,
	)
		.bind(t, t - ABANDONED_AFTER, CLEANUP_BATCH)
		.all<Pick<FileRow, "id" | "storage_key">>();
	if (rows.results.length === 0) return 0;
	await env.FILES.delete(rows.results.map((r) => r.storage_key));
	await env.DB.batch(
		rows.results.flatMap((r) => [
			env.DB.prepare("DELETE FROM file_shares WHERE file_id = ?").bind(r.id),
			env.DB.prepare("DELETE FROM files WHERE id = ?").bind(r.id),
		]),
	);
	return rows.results.length;
}
