import { z } from "zod";
import { PageQuery, pageOf, queryInt, UnixSeconds } from "./common";

export const FILE_TYPES = ["image", "video", "audio", "file"] as const;
export type FileType = (typeof FILE_TYPES)[number];

/** Largest declared size per file type, in bytes (files.md); larger is 70103. */
export const FILE_SIZE_LIMITS: Record<FileType, number> = {
	image: 10 * 1024 * 1024,
	video: 100 * 1024 * 1024,
	audio: 20 * 1024 * 1024,
	file: 50 * 1024 * 1024,
};

/** File IDs are `file-` + a UUID v4. */
export const FILE_ID_PATTERN = /file-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

export const UploadTokenRequest = z.object({
	fileName: z
		.string({ error: "fileName is required" })
		.min(1, "fileName must not be empty")
		.max(255, "fileName is too long"),
	// Type and size rules carry their business codes, so they are checked by the handler.
	fileType: z.string({ error: "fileType is required" }).meta({ examples: ["image"] }),
	fileSize: z.number({ error: "fileSize is required" }).int("fileSize must be an integer"),
	mimeType: z
		.string({ error: "mimeType is required" })
		.min(1, "mimeType must not be empty")
		.max(127, "mimeType is too long")
		.regex(/^[\w.+-]+\/[\w.+-]+$/, "mimeType must look like type/subtype")
		.meta({ examples: ["image/png"] }),
	expiresHours: z
		.number()
		.int("expiresHours must be an integer")
		.min(0, "expiresHours must not be negative")
		.max(24 * 365, "expiresHours must be at most 8760")
		.optional()
		.describe("> 0: the file expires after that many hours; 0 or absent: never"),
});

export const UploadTokenResponse = z.object({
	fileId: z.string(),
	uploadUrl: z.string().describe("PUT the raw bytes here (no auth header); Content-Type, if sent, must equal mimeType"),
	uploadMethod: z.literal("PUT"),
	uploadHeaders: z.record(z.string(), z.string()).describe("headers the PUT must carry"),
	expiresIn: z.number().int().describe("seconds the upload URL stays valid"),
});

export const FileInfo = z.object({
	fileId: z.string(),
	userId: z.string(),
	fileName: z.string(),
	fileType: z.enum(FILE_TYPES),
	fileSize: z.number().int(),
	mimeType: z.string(),
	status: z.number().int().describe("2 processing, 1 active"),
	downloadUrl: z.string().describe("signed GET URL valid 1 hour; empty until the upload is completed"),
	createdAt: UnixSeconds,
	expiresAt: UnixSeconds.describe("0 when the file never expires"),
});

export const DownloadQuery = z.object({
	expiresMinutes: queryInt("expiresMinutes", 1, 7 * 24 * 60).default(60),
});

export const DownloadResponse = z.object({ downloadUrl: z.string(), expiresIn: z.number().int() });

export const FileListQuery = PageQuery.extend({
	fileType: z.enum(FILE_TYPES, { error: "fileType must be one of image, video, audio, file" }).optional(),
});

export const FileList = pageOf(FileInfo);
export const DeleteFileResponse = z.object({ success: z.boolean() });
