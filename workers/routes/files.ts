import { type Context, Hono } from "hono";
import { z } from "zod";
import { IdParam } from "../../contracts/common";
import {
	DeleteFileResponse,
	DownloadQuery,
	DownloadResponse,
	FILE_SIZE_LIMITS,
	FILE_TYPES,
	FileInfo,
	FileList,
	FileListQuery,
	type FileType,
	UploadTokenRequest,
	UploadTokenResponse,
} from "../../contracts/files";
import { canReadFile, type FileRow, getFileRow } from "../../db/files";
import { errorBody, ok } from "../../domain/envelope";
import { now } from "../../domain/time";
import { notify } from "../../platform/notify";
import type { AppEnv } from "../env";
import { requireUser } from "../lib/auth";
import { refuseOtherMethods } from "../lib/collections";
import { badRequest, Codes, notFound } from "../lib/errors";
import { fetchPage, pageOut } from "../lib/paging";
import { doc, validate } from "../lib/validate";
import {
	baseMime,
	FileStatus,
	newFileId,
	signedFileUrl,
	storageKey,
	UPLOAD_URL_TTL,
	verifyBlobSignature,
} from "../services/files";
import { enforceRateLimit, rateLimitNote } from "../services/rate-limits";

export const files = new Hono<AppEnv>();

const FileIdParam = z.object({ fileId: IdParam("fileId") });
const INFO_URL_TTL = 3600;
const fileNotFound = () => notFound("file not found", Codes.FileNotFound);
const originOf = (c: Context) => new URL(c.req.url).origin;

async function fileInfo(c: Context<AppEnv>, f: FileRow) {
	const downloadable = f.status === FileStatus.Active && (f.expires_at === null || f.expires_at > now());
	return {
		fileId: f.id,
		userId: f.user_id,
		fileName: f.file_name,
		fileType: f.file_type,
		fileSize: f.file_size,
		mimeType: f.mime_type,
		status: f.status,
		downloadUrl: downloadable ? (await signedFileUrl(c.env, originOf(c), "get", f, INFO_URL_TTL)).url : "",
		createdAt: f.created_at,
		expiresAt: f.expires_at ?? 0,
	};
}

/** A file the caller may read (owner or member of a conversation that shared it); 404 otherwise. */
async function readableFile(c: Context<AppEnv>, fileId: string): Promise<FileRow> {
	const f = await getFileRow(c.env, fileId);
	if (!f || f.status === FileStatus.Deleted) throw fileNotFound();
	if (!(await canReadFile(c.env, c.var.auth.userId, f))) throw fileNotFound();
	// Others never see a file before its owner completed it.
	if (f.status !== FileStatus.Active && f.user_id !== c.var.auth.userId) throw fileNotFound();
	return f;
}

files.post(
	"/upload-token",
	requireUser,
	doc({
		summary: "Start an upload: a file ID and a short-lived URL to PUT the bytes to",
		description:
			"Size limits by fileType: image 10 MiB, video 100 MiB, audio 20 MiB, file 50 MiB (70103); unknown fileType is 70104. PUT exactly fileSize bytes to uploadUrl with uploadHeaders, then call complete. " +
			rateLimitNote("RATE_UPLOAD_TOKEN"),
		tags: ["files"],
		response: UploadTokenResponse,
	}),
	validate("json", UploadTokenRequest),
	async (c) => {
		const body = c.req.valid("json");
		if (!(FILE_TYPES as readonly string[]).includes(body.fileType)) {
			throw badRequest("fileType must be one of image, video, audio, file", Codes.FileTypeNotAllowed);
		}
		const type = body.fileType as FileType;
		if (body.fileSize <= 0) throw badRequest("fileSize must be greater than 0");
		if (body.fileSize > FILE_SIZE_LIMITS[type]) {
			throw badRequest(`file size exceeds limit: ${FILE_SIZE_LIMITS[type]} bytes for ${type}`, Codes.FileSizeExceeded);
		}
		await enforceRateLimit(c.env, c.var.auth.userId, "uploadToken");
		const t = now();
		const id = newFileId();
		const row: FileRow = {
			id,
			user_id: c.var.auth.userId,
			file_name: body.fileName,
			file_type: type,
			file_size: body.fileSize,
			mime_type: baseMime(body.mimeType),
			storage_key: storageKey(c.var.auth.userId, id, body.fileName, t),
			status: FileStatus.Processing,
			created_at: t,
			updated_at: t,
			expires_at: body.expiresHours ? t + body.expiresHours * 3600 : null,
		};
		await c.env.DB.prepare(
			`INSERT INTO files (id, user_id, file_name, file_type, file_size, mime_type, storage_key, status, created_at, updated_at, expires_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		)
			.bind(
				row.id,
				row.user_id,
				row.file_name,
				row.file_type,
				row.file_size,
				row.mime_type,
				row.storage_key,
				row.status,
				row.created_at,
				row.updated_at,
				row.expires_at,
			)
			.run();
		const upload = await signedFileUrl(c.env, originOf(c), "put", row, UPLOAD_URL_TTL);
		return ok(c, {
			fileId: id,
			uploadUrl: upload.url,
			uploadMethod: "PUT" as const,
			uploadHeaders: upload.headers,
			expiresIn: UPLOAD_URL_TTL,
		});
	},
);

// `GET /files/upload-token` must not be read as "the file called upload-token".
refuseOtherMethods(files, "/upload-token");

files.post(
	"/:fileId/complete",
	requireUser,
	doc({
		summary: "Finish an upload: verifies the stored object's size and type, then activates the file",
		description:
			"Owner only (70101). Already completed: 70107. Object missing or its size/Content-Type differing from the declaration: 70105 (a mismatching object is deleted; PUT again and retry). Sends file.upload_completed to the owner's devices.",
		tags: ["files"],
		response: FileInfo,
	}),
	validate("param", FileIdParam),
	async (c) => {
		const f = await getFileRow(c.env, c.req.valid("param").fileId);
		if (!f || f.status === FileStatus.Deleted || f.user_id !== c.var.auth.userId) throw fileNotFound();
		if (f.status !== FileStatus.Processing) throw badRequest("file already completed", Codes.InvalidFileId);
		const head = await c.env.FILES.head(f.storage_key);
		if (!head) throw badRequest("file not found in storage: upload the bytes first", Codes.FileUploadFailed);
		const actualType = baseMime(head.httpMetadata?.contentType);
		const problem =
			head.size !== f.file_size
				? `uploaded size ${head.size} does not match declared fileSize ${f.file_size}`
				: actualType !== f.mime_type
					? `uploaded Content-Type ${actualType || "(none)"} does not match declared mimeType ${f.mime_type}`
					: null;
		if (problem) {
			await c.env.FILES.delete(f.storage_key);
			throw badRequest(problem, Codes.FileUploadFailed);
		}
		const t = now();
		const res = await c.env.DB.prepare("UPDATE files SET status = 1, updated_at = ? WHERE id = ? AND status = 2")
			.bind(t, f.id)
			.run();
		if (res.meta.changes === 0) throw badRequest("file already completed", Codes.InvalidFileId);
		const active = { ...f, status: FileStatus.Active, updated_at: t };
		await notify(c.env, [f.user_id], "file.upload_completed", {
			fileId: f.id,
			fileName: f.file_name,
			fileType: f.file_type,
			fileSize: f.file_size,
			mimeType: f.mime_type,
		});
		return ok(c, await fileInfo(c, active));
	},
);

files.get(
	"/:fileId/download",
	requireUser,
	doc({
		summary: "A signed download URL (owner, or member of a conversation where the file was sent)",
		description: "expiresMinutes 1-10080 (default 60). Not readable: 70101. Past expiresAt: 70108.",
		tags: ["files"],
		response: DownloadResponse,
	}),
	validate("param", FileIdParam),
	validate("query", DownloadQuery),
	async (c) => {
		const f = await readableFile(c, c.req.valid("param").fileId);
		if (f.status !== FileStatus.Active) throw notFound("file is not active", Codes.FileNotFound);
		if (f.expires_at !== null && f.expires_at <= now()) throw notFound("file has expired", Codes.FileExpired);
		const ttl = c.req.valid("query").expiresMinutes * 60;
		const { url } = await signedFileUrl(c.env, originOf(c), "get", f, ttl);
		return ok(c, { downloadUrl: url, expiresIn: ttl });
	},
);

files.get(
	"/:fileId",
	requireUser,
	doc({
		summary: "File info (owner, or member of a conversation where the file was sent)",
		description:
			"A message references a file when its content is JSON with a `fileId` key (any depth) or contains a download URL of this API (`/blob/<fileId>`); from then on every current member of that conversation may read the file. Anyone else gets 404 (70101).",
		tags: ["files"],
		response: FileInfo,
	}),
	validate("param", FileIdParam),
	async (c) => ok(c, await fileInfo(c, await readableFile(c, c.req.valid("param").fileId))),
);

files.delete(
	"/:fileId",
	requireUser,
	doc({ summary: "Delete my file (row and stored object)", tags: ["files"], response: DeleteFileResponse }),
	validate("param", FileIdParam),
	async (c) => {
		const f = await getFileRow(c.env, c.req.valid("param").fileId);
		if (!f || f.status === FileStatus.Deleted || f.user_id !== c.var.auth.userId) throw fileNotFound();
		await c.env.FILES.delete(f.storage_key);
		await c.env.DB.batch([
			c.env.DB.prepare("UPDATE files SET status = 0, updated_at = ? WHERE id = ?").bind(now(), f.id),
			c.env.DB.prepare("DELETE FROM file_shares WHERE file_id = ?").bind(f.id),
		]);
		return ok(c, { success: true });
	},
);

files.get(
	"/",
	requireUser,
	doc({ summary: "My active files, newest first", tags: ["files"], response: FileList }),
	validate("query", FileListQuery),
	async (c) => {
		const { page, pageSize, fileType } = c.req.valid("query");
		const where = `user_id = ? AND status = 1${fileType ? " AND file_type = ?" : ""}`;
		const args: unknown[] = fileType ? [c.var.auth.userId, fileType] : [c.var.auth.userId];
		const { rows, total } = await fetchPage<FileRow>(
			c.env,
			{ select: "*", from: `FROM files WHERE ${where}`, orderBy: "created_at DESC, id DESC", args },
			{ page, pageSize },
		);
		const list = await Promise.all(rows.map((f) => fileInfo(c, f)));
		return ok(c, pageOut(list, total, { page, pageSize }));
	},
);

/**
 * The Worker's own byte route for signed URLs (local development, or no R2 S3 credentials).
 * PUT streams the body into R2 without buffering it; exactly the declared number of bytes is
 * accepted (more is cut off with 413, fewer is a 400).
 */
export const blob = new Hono<AppEnv>();

/** Refusals do not read the body; cancelling it tells the client at once instead of leaving the stream dangling. */
const blobError = (c: Context, status: 400 | 403 | 404 | 413, message: string, code: number = status) => {
	c.req.raw.body?.cancel().catch(() => undefined);
	return c.json(errorBody(code, message), status);
};

blob.put("/:fileId", async (c) => {
	const fileId = c.req.param("fileId");
	if (!(await verifyBlobSignature(c.env, "put", fileId, new URL(c.req.url)))) {
		return blobError(c, 403, "upload URL is invalid or has expired");
	}
	const f = await getFileRow(c.env, fileId);
	if (!f || f.status !== FileStatus.Processing)
		return blobError(c, 404, "no upload pending for this file", Codes.FileNotFound);
	const declared = f.file_size;
	const length = c.req.header("Content-Length");
	if (length !== undefined && Number(length) !== declared) {
		return blobError(
			c,
			Number(length) > declared ? 413 : 400,
			`body must be exactly ${declared} bytes (declared fileSize)`,
		);
	}
	const type = c.req.header("Content-Type");
	if (type !== undefined && baseMime(type) !== f.mime_type) {
		return blobError(c, 400, `Content-Type must be ${f.mime_type} (declared mimeType)`);
	}
	const body = c.req.raw.body;
	if (!body) return blobError(c, 400, "request body is required");
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
		await c.env.FILES.put(f.storage_key, counter.readable.pipeThrough(new FixedLengthStream(declared)), {
			httpMetadata: { contentType: f.mime_type },
			customMetadata: { fileId: f.id },
		});
	} catch {
		await pumping;
		if (seen > declared) return blobError(c, 413, `body is larger than the declared ${declared} bytes`);
		return blobError(c, 400, `body must be exactly ${declared} bytes (got ${seen})`);
	}
	return ok(c, { fileId: f.id, size: declared });
});

blob.get("/:fileId", async (c) => {
	const fileId = c.req.param("fileId");
	if (!(await verifyBlobSignature(c.env, "get", fileId, new URL(c.req.url)))) {
		return blobError(c, 403, "download URL is invalid or has expired");
	}
	const f = await getFileRow(c.env, fileId);
	if (!f || f.status !== FileStatus.Active) return blobError(c, 404, "file not found", Codes.FileNotFound);
	if (f.expires_at !== null && f.expires_at <= now()) return blobError(c, 404, "file has expired", Codes.FileExpired);
	const object = await c.env.FILES.get(f.storage_key);
	if (!object) return blobError(c, 404, "file not found in storage", Codes.FileNotFound);
	const headers = new Headers();
	object.writeHttpMetadata(headers);
	headers.set("Content-Length", String(object.size));
	headers.set("ETag", object.httpEtag);
	headers.set("Content-Disposition", `attachment; filename*=UTF-8''${encodeURIComponent(f.file_name)}`);
	headers.set("Cache-Control", "private, max-age=300");
	return new Response(object.body, { headers });
});
