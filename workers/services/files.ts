import { AwsClient } from "aws4fetch";
import { FILE_ID_PATTERN, type FileType } from "../../contracts/files";
import { privatePeers } from "../../contracts/ids";
import type { Bindings } from "../env";
import { now } from "../lib/auth";
import { filesUrlKey } from "../lib/secrets";

export interface FileRow {
	id: string;
	user_id: string;
	file_name: string;
	file_type: FileType;
	file_size: number;
	mime_type: string;
	storage_key: string;
	status: number;
	created_at: number;
	updated_at: number;
	expires_at: number | null;
}

export const FileStatus = { Deleted: 0, Active: 1, Processing: 2 } as const;

/** Path of the Worker's own byte route (outside /api/v1, so the 1 MiB JSON body limit does not apply). */
export const BLOB_PATH = "/blob/";
export const UPLOAD_URL_TTL = 3600;

export const newFileId = () => `file-${crypto.randomUUID()}`;

/** `<userId>/<YYYY-MM-DD>/<uuid>.<ext>` as in files.md; `bin` when the name has no usable extension. */
export function storageKey(userId: string, fileId: string, fileName: string, t: number): string {
	const day = new Date(t * 1000).toISOString().slice(0, 10);
	const ext = /\.([A-Za-z0-9]{1,10})$/.exec(fileName)?.[1]?.toLowerCase() ?? "bin";
	return `${userId}/${day}/${fileId.slice(5)}.${ext}`;
}

export const baseMime = (v: string | null | undefined) => (v ?? "").split(";")[0]!.trim().toLowerCase();

export const getFileRow = (env: Bindings, fileId: string) =>
	env.DB.prepare("SELECT * FROM files WHERE id = ?").bind(fileId).first<FileRow>();

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

// ---- access ------------------------------------------------------------------------------

/** Whether `userId` belongs to the conversation (private: one of the pair; group: an active member of an active group). */
export async function isConversationMember(env: Bindings, userId: string, conversationId: string): Promise<boolean> {
	const peers = privatePeers(conversationId);
	if (peers) return peers.includes(userId);
	const row = await env.DB.prepare(
		`SELECT 1 AS ok FROM group_members m JOIN groups g ON g.id = m.group_id
		  WHERE m.group_id = ? AND m.user_id = ? AND m.left_at IS NULL AND g.status = 1`,
	)
		.bind(conversationId, userId)
		.first();
	return row !== null;
}

/**
 * Who may read a file: its owner, and every current member of a conversation in which a
 * message referenced it (recorded in file_shares by `recordFileReferences`).
 */
export async function canReadFile(env: Bindings, userId: string, file: Pick<FileRow, "id" | "user_id">) {
	if (file.user_id === userId) return true;
	const db = env.DB;
	const [privateShares, groupShare] = await db.batch<{ conversation_id?: string; ok?: number }>([
		db
			.prepare("SELECT conversation_id FROM file_shares WHERE file_id = ? AND conversation_id LIKE 'p\\_%' ESCAPE '\\'")
			.bind(file.id),
		db
			.prepare(
				`SELECT 1 AS ok FROM file_shares s
				   JOIN group_members m ON m.group_id = s.conversation_id
				   JOIN groups g ON g.id = m.group_id
				  WHERE s.file_id = ? AND m.user_id = ? AND m.left_at IS NULL AND g.status = 1 LIMIT 1`,
			)
			.bind(file.id, userId),
	]);
	if (groupShare!.results.length > 0) return true;
	return privateShares!.results.some((r) => privatePeers(r.conversation_id ?? "")?.includes(userId) ?? false);
}

/**
 * The file IDs a message's content refers to. The rule (documented for clients):
 * - content that is JSON: every string value of a `fileId` key, at any depth;
 * - any content (JSON or plain text): every file ID inside a URL containing our byte route
 *   path `/blob/<fileId>` (the download URLs this API hands out).
 * Anything that does not have the `file-<uuid>` shape is ignored.
 */
export function extractFileIds(content: string): string[] {
	const found = new Set<string>();
	const isFileId = (v: unknown): v is string =>
		typeof v === "string" && v.length === 41 && new RegExp(`^${FILE_ID_PATTERN.source}$`).test(v);
	const walk = (v: unknown, depth: number) => {
		if (depth > 8 || v === null || typeof v !== "object") return;
		for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
			if (k === "fileId" && isFileId(child)) found.add(child);
			else walk(child, depth + 1);
		}
	};
	try {
		walk(JSON.parse(content), 0);
	} catch {
		// Plain text: only URLs count.
	}
	for (const m of content.matchAll(new RegExp(`${BLOB_PATH.replace(/\//g, "\\/")}(${FILE_ID_PATTERN.source})`, "g"))) {
		found.add(m[1]!);
	}
	return [...found];
}

/**
 * Cheap pre-check before `recordFileReferences`: both rules of `extractFileIds` need a
 * `file-<uuid>` in the content, so a message without "file-" references nothing (no D1 at all).
 */
export const mayReferenceFiles = (content: string) => content.includes("file-");

/**
 * Records that a message in `conversationId` referenced files, so the conversation's members
 * may read them. Only files the sender may read themselves are recorded (so knowing an ID is
 * not enough to share someone else's file), and only active or processing ones. Meant to be
 * called off the message ack path (e.g. `ctx.waitUntil`). Returns the IDs recorded.
 */
export async function recordFileReferences(
	env: Bindings,
	conversationId: string,
	content: string,
	senderId: string,
): Promise<string[]> {
	const ids = extractFileIds(content).slice(0, 20);
	if (ids.length === 0) return [];
	const rows = await env.DB.prepare(
		`SELECT id, user_id FROM files WHERE status != 0 AND id IN (${ids.map(() => "?").join(",")})`,
	)
		.bind(...ids)
		.all<Pick<FileRow, "id" | "user_id">>();
	const allowed: string[] = [];
	for (const f of rows.results) if (await canReadFile(env, senderId, f)) allowed.push(f.id);
	if (allowed.length === 0) return [];
	const t = now();
	await env.DB.batch(
		allowed.map((id) =>
			env.DB.prepare("INSERT OR IGNORE INTO file_shares (file_id, conversation_id, created_at) VALUES (?, ?, ?)").bind(
				id,
				conversationId,
				t,
			),
		),
	);
	return allowed;
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
