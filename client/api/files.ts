/** Files: upload tokens, the upload flow itself, metadata and download links. */
import type * as Fi from "../../contracts/files";
import { ApiError } from "../errors";
import type { Http, Query } from "../http";
import { pageOrigin } from "../runtime";
import { enc, type In, type Out } from "./shared";
import type { FileInfo, FileType, UploadToken } from "./types";

export const fileTypeOf = (mime: string): FileType =>
	mime.startsWith("image/")
		? "image"
		: mime.startsWith("video/")
			? "video"
			: mime.startsWith("audio/")
				? "audio"
				: "file";

export class FilesApi {
	constructor(
		private readonly http: Http,
		private readonly fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis),
	) {}
	uploadToken(body: In<typeof Fi.UploadTokenRequest>): Promise<UploadToken> {
		return this.http.request("POST", "/files/upload-token", { body });
	}
	complete(fileId: string): Promise<FileInfo> {
		return this.http.request("POST", `/files/${enc(fileId)}/complete`);
	}
	get(fileId: string): Promise<FileInfo> {
		return this.http.request("GET", `/files/${enc(fileId)}`);
	}
	download(fileId: string, expiresMinutes?: number): Promise<Out<typeof Fi.DownloadResponse>> {
		return this.http.request("GET", `/files/${enc(fileId)}/download`, { query: { expiresMinutes } });
	}
	remove(fileId: string): Promise<Out<typeof Fi.DeleteFileResponse>> {
		return this.http.request("DELETE", `/files/${enc(fileId)}`);
	}
	list(query: In<typeof Fi.FileListQuery> = {}): Promise<Out<typeof Fi.FileList>> {
		return this.http.request("GET", "/files", { query: query as Query });
	}
	/** The whole flow: token, PUT of the bytes to the signed URL with the headers it names, complete. */
	async upload(
		data: Blob | ArrayBuffer | Uint8Array,
		meta: { fileName: string; mimeType: string; fileType?: FileType },
	): Promise<FileInfo> {
		const size = data instanceof Blob ? data.size : data.byteLength;
		const fileType = meta.fileType ?? fileTypeOf(meta.mimeType);
		const t = await this.uploadToken({ fileName: meta.fileName, fileType, fileSize: size, mimeType: meta.mimeType });
		const url = new URL(t.uploadUrl, this.http.baseUrl || pageOrigin()).toString();
		const res = await this.fetchImpl(url, { method: t.uploadMethod, body: data as BodyInit, headers: t.uploadHeaders });
		if (!res.ok) {
			throw new ApiError(res.status, res.status, `upload failed: HTTP ${res.status}`);
		}
		return this.complete(t.fileId);
	}
}
