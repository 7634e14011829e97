import type { Message } from "../../client";

/**
 * Message content on the wire is a string (WIRE-PROFILE §2). The console writes JSON
 * documents in the SDK's convention — text `{"text"}`, media `{"fileId","name","size","mimeType"}` —
 * and reads plain strings too.
 */
export type Content =
	| { kind: "text"; text: string }
	| { kind: "image" | "file"; fileId: string; name: string; size: number; mimeType: string }
	| { kind: "recalled" }
	| { kind: "other"; text: string };

export const textContent = (text: string) => JSON.stringify({ text });

export const fileContent = (f: { fileId: string; fileName: string; fileSize: number; mimeType: string }) =>
	JSON.stringify({ fileId: f.fileId, name: f.fileName, size: f.fileSize, mimeType: f.mimeType });

export function readContent(m: Message): Content {
	if (m.status === 1) return { kind: "recalled" };
	let doc: any = null;
	try {
		doc = JSON.parse(m.content);
	} catch {
		doc = null;
	}
	if (m.contentType === "image" || m.contentType === "file") {
		if (doc && typeof doc.fileId === "string") {
			return {
				kind: m.contentType,
				fileId: doc.fileId,
				name: String(doc.name ?? doc.fileName ?? "file"),
				size: Number(doc.size ?? 0),
				mimeType: String(doc.mimeType ?? ""),
			};
		}
	}
	if (doc && typeof doc === "object" && typeof doc.text === "string") return { kind: "text", text: doc.text };
	if (m.contentType === "text") return { kind: "text", text: m.content };
	return { kind: "other", text: `[${m.contentType}] ${m.content}` };
}

/** One line for lists and reply quotes. */
export function preview(m: Message): string {
	const c = readContent(m);
	if (c.kind === "text") return c.text;
	if (c.kind === "recalled") return "(message recalled)";
	if (c.kind === "image") return "[image]";
	if (c.kind === "other") return c.text;
	return `[file] ${c.name}`;
}
