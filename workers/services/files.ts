import type { z } from "zod";
import { FILE_SIZE_LIMITS, FILE_TYPES, type FileType, type UploadTokenRequest } from "../../contracts/files";
import {
	activateFile,
	activeFilesPage,
	canReadFile,
	type FileRow,
	filesToClean,
	getFileRow,
	insertFile,
	markFileDeleted,
	purgeFiles,
} from "../../db/files";
import type { PageParams } from "../../db/paging";
import type { Bindings } from "../../domain/env";
import { now } from "../../domain/time";
import { notify } from "../../platform/notify";
import { badRequest, Codes, notFound } from "../lib/errors";
import { pageOut } from "../lib/paging";
import { signedFileUrl } from "./file-urls";
import { enforceRateLimit } from "./rate-limits";

export const FileStatus = { Deleted: 0, Active: 1, Processing: 2 } as const;

export const UPLOAD_URL_TTL = 3600;
/** The download URL inside a file's info is valid this long. */
const INFO_URL_TTL = 3600;

export const newFileId = () => `file-${crypto.randomUUID()}`;

/** `<userId>/<YYYY-MM-DD>/<uuid>.<ext>` as in files.md; `bin` when the name has no usable extension. */
export function storageKey(userId: string, fileId: string, fileName: string, t: number): string {
	const day = new Date(t * 1000).toISOString().slice(0, 10);
	const ext = /\.([A-Za-z0-9]{1,10})$/.exec(fileName)?.[1]?.toLowerCase() ?? "bin";
	return `${userId}/${day}/${fileId.slice(5)}.${ext}`;
}

export const baseMime = (v: string | null | undefined) => (v ?? "").split(";")[0]!.trim().toLowerCase();

const isExpired = (f: FileRow, t = now()) => f.expiresAt !== null && f.expiresAt <= t;
const fileNotFound = () => notFound("file not found", Codes.FileNotFound);

/** The wire shape of a file (FileInfo); `origin` is the API's, for the Worker's own byte route. */
async function fileInfo(env: Bindings, origin: string, f: FileRow) {
	const downloadable = f.status === FileStatus.Active && !isExpired(f);
	return {
		fileId: f.id,
		userId: f.userId,
		fileName: f.fileName,
		fileType: f.fileType,
		fileSize: f.fileSize,
		mimeType: f.mimeType,
		status: f.status,
		downloadUrl: downloadable ? (await signedFileUrl(env, origin, "get", f, INFO_URL_TTL)).url : "",
		createdAt: f.createdAt,
		expiresAt: f.expiresAt ?? 0,
	};
}

/** The caller's own file, not deleted; 404 otherwise. */
async function ownFile(env: Bindings, userId: string, fileId: string): Promise<FileRow> {
	const f = await getFileRow(env, fileId);
	if (!f || f.status === FileStatus.Deleted || f.userId !== userId) throw fileNotFound();
	return f;
}

/** A file the caller may read (owner or member of a conversation that shared it); 404 otherwise. */
async function readableFile(env: Bindings, userId: string, fileId: string): Promise<FileRow> {
	const f = await getFileRow(env, fileId);
	if (!f || f.status === FileStatus.Deleted) throw fileNotFound();
	if (!(await canReadFile(env, userId, f))) throw fileNotFound();
	// Others never see a file before its owner completed it.
	if (f.status !== FileStatus.Active && f.userId !== userId) throw fileNotFound();
	return f;
}

/** Starts an upload: checks type and size, records the file as processing and signs a PUT URL. */
export async function createUpload(
	env: Bindings,
	origin: string,
	userId: string,
	body: z.infer<typeof UploadTokenRequest>,
) {
	if (!(FILE_TYPES as readonly string[]).includes(body.fileType)) {
		throw badRequest("fileType must be one of image, video, audio, file", Codes.FileTypeNotAllowed);
	}
	const type = body.fileType as FileType;
	if (body.fileSize <= 0) throw badRequest("fileSize must be greater than 0");
	if (body.fileSize > FILE_SIZE_LIMITS[type]) {
		throw badRequest(`file size exceeds limit: ${FILE_SIZE_LIMITS[type]} bytes for ${type}`, Codes.FileSizeExceeded);
	}
	await enforceRateLimit(env, userId, "uploadToken");
	const t = now();
	const id = newFileId();
	const row: FileRow = {
		id,
		userId,
		fileName: body.fileName,
		fileType: type,
		fileSize: body.fileSize,
		mimeType: baseMime(body.mimeType),
		storageKey: storageKey(userId, id, body.fileName, t),
		status: FileStatus.Processing,
		createdAt: t,
		updatedAt: t,
		expiresAt: body.expiresHours ? t + body.expiresHours * 3600 : null,
	};
	await insertFile(env, row);
	const upload = await signedFileUrl(env, origin, "put", row, UPLOAD_URL_TTL);
	return {
		fileId: id,
		uploadUrl: upload.url,
		uploadMethod: "PUT" as const,
		uploadHeaders: upload.headers,
		expiresIn: UPLOAD_URL_TTL,
	};
}

/**
 * Finishes an upload: the stored object must have the declared size and type (a mismatching
 * one is deleted), then the file becomes active and the owner's devices hear of it.
 */
export async function completeUpload(env: Bindings, origin: string, userId: string, fileId: string) {
	const f = await ownFile(env, userId, fileId);
	if (f.status !== FileStatus.Processing) throw badRequest("file already completed", Codes.InvalidFileId);
	const head = await env.FILES.head(f.storageKey);
	if (!head) throw badRequest("file not found in storage: upload the bytes first", Codes.FileUploadFailed);
	const actualType = baseMime(head.httpMetadata?.contentType);
	const problem =
		head.size !== f.fileSize
			? `uploaded size ${head.size} does not match declared fileSize ${f.fileSize}`
			: actualType !== f.mimeType
				? `uploaded Content-Type ${actualType || "(none)"} does not match declared mimeType ${f.mimeType}`
				: null;
	if (problem) {
		await env.FILES.delete(f.storageKey);
		throw badRequest(problem, Codes.FileUploadFailed);
	}
	const t = now();
	if (!(await activateFile(env, f.id, t))) throw badRequest("file already completed", Codes.InvalidFileId);
	await notify(env, [f.userId], "file.upload_completed", {
		fileId: f.id,
		fileName: f.fileName,
		fileType: f.fileType,
		fileSize: f.fileSize,
		mimeType: f.mimeType,
	});
	return fileInfo(env, origin, { ...f, status: FileStatus.Active, updatedAt: t });
}

/** A readable file's info. */
export const readableFileInfo = async (env: Bindings, origin: string, userId: string, fileId: string) =>
	fileInfo(env, origin, await readableFile(env, userId, fileId));

/** A signed download URL valid `ttl` seconds, for a readable, active, unexpired file. */
export async function downloadLink(env: Bindings, origin: string, userId: string, fileId: string, ttl: number) {
	const f = await readableFile(env, userId, fileId);
	if (f.status !== FileStatus.Active) throw notFound("file is not active", Codes.FileNotFound);
	if (isExpired(f)) throw notFound("file has expired", Codes.FileExpired);
	const { url } = await signedFileUrl(env, origin, "get", f, ttl);
	return { downloadUrl: url, expiresIn: ttl };
}

/** Deletes the caller's file: the stored object first, then the row (marked deleted) and its shares. */
export async function deleteOwnFile(env: Bindings, userId: string, fileId: string): Promise<void> {
	const f = await ownFile(env, userId, fileId);
	await env.FILES.delete(f.storageKey);
	await markFileDeleted(env, f.id, now());
}

/** The caller's active files (optionally of one type), newest first, as a wire page. */
export async function listOwnFiles(
	env: Bindings,
	origin: string,
	userId: string,
	q: PageParams & { fileType?: FileType },
) {
	const p = { page: q.page, pageSize: q.pageSize };
	const { rows, total } = await activeFilesPage(env, userId, q.fileType, p);
	return pageOut(await Promise.all(rows.map((f) => fileInfo(env, origin, f))), total, p);
}

// ---- the Worker's byte route --------------------------------------------------------------

/** The file an upload URL is for, while its upload is still pending. */
export async function pendingUpload(env: Bindings, fileId: string): Promise<FileRow | undefined> {
	const f = await getFileRow(env, fileId);
	return f?.status === FileStatus.Processing ? f : undefined;
}

/**
 * Streams an upload into R2 without buffering it; exactly the declared number of bytes is
 * accepted. `stored` false: the body was refused, `seen` says how many bytes came.
 */
export async function storeUpload(env: Bindings, f: FileRow, body: ReadableStream<Uint8Array>) {
	const declared = f.fileSize;
	let seen = 0;
	const counter = new TransformStream<Uint8Array, Uint8Array>({
		transform(chunk, controller) {
			seen += chunk.byteLength;
			if (seen > declared) controller.error(new Error("body larger than declared"));
			else controller.enqueue(chunk);
		},
	});
	// Explicit pipe with its own catch: a refused body must not surface as an unhandled rejection.
	const pumping = body.pipeTo(counter.writable).catch(() => undefined);
	try {
		await env.FILES.put(f.storageKey, counter.readable.pipeThrough(new FixedLengthStream(declared)), {
			httpMetadata: { contentType: f.mimeType },
			customMetadata: { fileId: f.id },
		});
		return { stored: true, seen };
	} catch {
		await pumping;
		return { stored: false, seen };
	}
}

/** An active, unexpired file's stored object, or which of the three is missing. */
export async function storedFile(
	env: Bindings,
	fileId: string,
): Promise<{ file: FileRow; object: R2ObjectBody } | { missing: "file" | "expired" | "object" }> {
	const file = await getFileRow(env, fileId);
	if (!file || file.status !== FileStatus.Active) return { missing: "file" };
	if (isExpired(file)) return { missing: "expired" };
	const object = await env.FILES.get(file.storageKey);
	return object ? { file, object } : { missing: "object" };
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
	const rows = await filesToClean(env, t, t - ABANDONED_AFTER, CLEANUP_BATCH);
	if (rows.length === 0) return 0;
	await env.FILES.delete(rows.map((r) => r.storageKey));
	await purgeFiles(
		env,
		rows.map((r) => r.id),
	);
	return rows.length;
}
