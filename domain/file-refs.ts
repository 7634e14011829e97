import { FILE_ID_PATTERN } from "../contracts/files";

/** Path of the Worker's own byte route (outside /api/v1, so the 1 MiB JSON body limit does not apply). */
export const BLOB_PATH = "/blob/";

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
