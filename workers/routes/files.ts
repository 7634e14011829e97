import { type Context, Hono } from "hono";
import { z } from "zod";
import { IdParam } from "../../contracts/common";
import {
	DeleteFileResponse,
	DownloadQuery,
	DownloadResponse,
	FileInfo,
	FileList,
	FileListQuery,
	UploadTokenRequest,
	UploadTokenResponse,
} from "../../contracts/files";
import { ok } from "../../domain/envelope";
import type { AppEnv } from "../env";
import { requireUser } from "../lib/auth";
import { refuseOtherMethods } from "../lib/collections";
import { Codes } from "../lib/errors";
import { errorResponse } from "../lib/request-log";
import { doc, validate } from "../lib/validate";
import { verifyBlobSignature } from "../services/file-urls";
import {
	baseMime,
	completeUpload,
	createUpload,
	deleteOwnFile,
	downloadLink,
	listOwnFiles,
	pendingUpload,
	readableFileInfo,
	storedFile,
	storeUpload,
} from "../services/files";
import { rateLimitNote } from "../services/rate-limits";

export const files = new Hono<AppEnv>();

const FileIdParam = z.object({ fileId: IdParam("fileId") });
const originOf = (c: Context) => new URL(c.req.url).origin;

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
	async (c) => ok(c, await createUpload(c.env, originOf(c), c.var.auth.userId, c.req.valid("json"))),
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
	async (c) => ok(c, await completeUpload(c.env, originOf(c), c.var.auth.userId, c.req.valid("param").fileId)),
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
		const ttl = c.req.valid("query").expiresMinutes * 60;
		return ok(c, await downloadLink(c.env, originOf(c), c.var.auth.userId, c.req.valid("param").fileId, ttl));
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
	async (c) => ok(c, await readableFileInfo(c.env, originOf(c), c.var.auth.userId, c.req.valid("param").fileId)),
);

files.delete(
	"/:fileId",
	requireUser,
	doc({ summary: "Delete my file (row and stored object)", tags: ["files"], response: DeleteFileResponse }),
	validate("param", FileIdParam),
	async (c) => {
		await deleteOwnFile(c.env, c.var.auth.userId, c.req.valid("param").fileId);
		return ok(c, { success: true });
	},
);

files.get(
	"/",
	requireUser,
	doc({ summary: "My active files, newest first", tags: ["files"], response: FileList }),
	validate("query", FileListQuery),
	async (c) => ok(c, await listOwnFiles(c.env, originOf(c), c.var.auth.userId, c.req.valid("query"))),
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
	return errorResponse(c, status, code, message);
};

blob.put("/:fileId", async (c) => {
	const fileId = c.req.param("fileId");
	if (!(await verifyBlobSignature(c.env, "put", fileId, new URL(c.req.url)))) {
		return blobError(c, 403, "upload URL is invalid or has expired");
	}
	const f = await pendingUpload(c.env, fileId);
	if (!f) return blobError(c, 404, "no upload pending for this file", Codes.FileNotFound);
	const declared = f.fileSize;
	const length = c.req.header("Content-Length");
	if (length !== undefined && Number(length) !== declared) {
		return blobError(
			c,
			Number(length) > declared ? 413 : 400,
			`body must be exactly ${declared} bytes (declared fileSize)`,
		);
	}
	const type = c.req.header("Content-Type");
	if (type !== undefined && baseMime(type) !== f.mimeType) {
		return blobError(c, 400, `Content-Type must be ${f.mimeType} (declared mimeType)`);
	}
	const body = c.req.raw.body;
	if (!body) return blobError(c, 400, "request body is required");
	const { stored, seen } = await storeUpload(c.env, f, body);
	if (!stored) {
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
	const found = await storedFile(c.env, fileId);
	if ("missing" in found) {
		if (found.missing === "expired") return blobError(c, 404, "file has expired", Codes.FileExpired);
		const where = found.missing === "object" ? " in storage" : "";
		return blobError(c, 404, `file not found${where}`, Codes.FileNotFound);
	}
	const { file, object } = found;
	const headers = new Headers();
	object.writeHttpMetadata(headers);
	headers.set("Content-Length", String(object.size));
	headers.set("ETag", object.httpEtag);
	headers.set("Content-Disposition", `attachment; filename*=UTF-8''${encodeURIComponent(file.fileName)}`);
	headers.set("Cache-Control", "private, max-age=300");
	return new Response(object.body, { headers });
});
