import { createScheduledController, env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { extractFileIds } from "../domain/file-refs";
import { app } from "../workers/app";
import worker from "../workers/index";
import { operations } from "../workers/lib/openapi";
import { signedFileUrl } from "../workers/services/file-urls";
import { call, fails, ok } from "./fixtures/api";
import { newIn, sendWs } from "./fixtures/chat";
import { makeFriends, makeGroup } from "./fixtures/social";
import { registerUser, type TestUser } from "./fixtures/users";
import { connect } from "./fixtures/ws";

const bytesOf = (n: number, seed = 7) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 256);

async function uploadToken(user: TestUser, over: Record<string, unknown> = {}) {
	return ok("POST", "/files/upload-token", {
		token: user.token,
		body: { fileName: "photo.jpg", fileType: "image", fileSize: 2048, mimeType: "image/jpeg", ...over },
	});
}

const put = (url: string, body: BodyInit, headers: Record<string, string> = {}) =>
	SELF.fetch(url, { method: "PUT", body, headers });

/** Upload token → PUT bytes → complete; returns the file ID. */
async function uploadFile(user: TestUser, bytes: Uint8Array, over: Record<string, unknown> = {}) {
	const t = await uploadToken(user, { fileSize: bytes.length, ...over });
	const res = await put(t.uploadUrl, bytes, t.uploadHeaders);
	expect(res.status, await res.clone().text()).toBe(200);
	await ok("POST", `/files/${t.fileId}/complete`, { token: user.token });
	return t.fileId as string;
}

async function download(user: TestUser, fileId: string): Promise<Uint8Array> {
	const d = await ok("GET", `/files/${fileId}/download`, { token: user.token });
	const res = await SELF.fetch(d.downloadUrl);
	expect(res.status).toBe(200);
	return new Uint8Array(await res.arrayBuffer());
}

describe("files", () => {
	it("upload-token validates type, size and fields", async () => {
		const u = await registerUser();
		const t = await uploadToken(u);
		expect(t).toMatchObject({ fileId: expect.stringMatching(/^file-/), uploadMethod: "PUT", expiresIn: 3600 });
		expect(t.uploadHeaders).toEqual({ "Content-Type": "image/jpeg" });
		// Not read as "the file called upload-token".
		const get = await fails("GET", "/files/upload-token", 405, 405, { token: u.token });
		expect(get.headers.get("Allow")).toBe("POST");
		await fails("POST", "/files/upload-token", 400, 70104, {
			token: u.token,
			body: { fileName: "a", fileType: "exe", fileSize: 1, mimeType: "application/x-msdownload" },
		});
		await fails("POST", "/files/upload-token", 400, 70103, {
			token: u.token,
			body: { fileName: "a.jpg", fileType: "image", fileSize: 10 * 1024 * 1024 + 1, mimeType: "image/jpeg" },
		});
		// At the limit is fine; video allows more.
		await uploadToken(u, { fileSize: 10 * 1024 * 1024 });
		await uploadToken(u, { fileType: "video", fileSize: 100 * 1024 * 1024, mimeType: "video/mp4" });
		await fails("POST", "/files/upload-token", 400, 70103, {
			token: u.token,
			body: { fileName: "a.mp3", fileType: "audio", fileSize: 20 * 1024 * 1024 + 1, mimeType: "audio/mpeg" },
		});
		const zero = await fails("POST", "/files/upload-token", 400, 400, {
			token: u.token,
			body: { fileName: "a.jpg", fileType: "image", fileSize: 0, mimeType: "image/jpeg" },
		});
		expect(zero.body.message).toContain("fileSize");
		const missing = await fails("POST", "/files/upload-token", 400, 400, {
			token: u.token,
			body: { fileType: "image", fileSize: 1, mimeType: "image/jpeg" },
		});
		expect(missing.body.message).toContain("fileName");
		await fails("POST", "/files/upload-token", 401, 401, { body: {} });
	});

	it("round trip: owner and a private-conversation member download identical bytes; a stranger gets 404", async () => {
		const owner = await registerUser();
		const peer = await registerUser();
		const stranger = await registerUser();
		const sock = await connect(owner.token);
		const bytes = bytesOf(300_000);
		const t = await uploadToken(owner, { fileSize: bytes.length, fileName: "big.jpg" });
		// Not completed yet: complete refuses (nothing stored), download is not offered.
		await fails("POST", `/files/${t.fileId}/complete`, 400, 70105, { token: owner.token });
		await fails("GET", `/files/${t.fileId}/download`, 404, 70101, { token: owner.token });
		expect((await put(t.uploadUrl, bytes, t.uploadHeaders)).status).toBe(200);
		const info = await ok("POST", `/files/${t.fileId}/complete`, { token: owner.token });
		expect(info).toMatchObject({
			fileId: t.fileId,
			userId: owner.userId,
			fileName: "big.jpg",
			fileType: "image",
			fileSize: bytes.length,
			mimeType: "image/jpeg",
			status: 1,
			expiresAt: 0,
		});
		const note = await sock.waitForNotification("file.upload_completed");
		expect(note[0]!.payload.data).toMatchObject({ fileId: t.fileId, fileSize: bytes.length });
		sock.close();
		await fails("POST", `/files/${t.fileId}/complete`, 400, 70107, { token: owner.token });

		expect(await download(owner, t.fileId)).toEqual(bytes);

		// Before any message references it, others cannot see it.
		await fails("GET", `/files/${t.fileId}`, 404, 70101, { token: peer.token });
		await fails("GET", `/files/${t.fileId}/download`, 404, 70101, { token: peer.token });

		// The owner sends an image message naming the file to the peer (POST /messages); the
		// Conversation records the reference before the peer hears of the message.
		const convId = await makeFriends(owner, peer);
		const peerSock = await connect(peer.token);
		const sent = await ok("POST", "/messages", {
			token: owner.token,
			body: {
				conversationId: convId,
				conversationType: "private",
				contentType: "image",
				content: JSON.stringify({ fileId: t.fileId, width: 10 }),
			},
		});
		const [msg] = await peerSock.waitForMessages(newIn(convId));
		expect(msg!.payload.data).toMatchObject({ messageId: sent.messageId, contentType: "image" });
		expect(await download(peer, t.fileId)).toEqual(bytes);
		const peerInfo = await ok("GET", `/files/${t.fileId}`, { token: peer.token });
		expect(peerInfo.fileId).toBe(t.fileId);
		const viaInfo = await SELF.fetch(peerInfo.downloadUrl);
		expect(new Uint8Array(await viaInfo.arrayBuffer())).toEqual(bytes);

		await fails("GET", `/files/${t.fileId}`, 404, 70101, { token: stranger.token });
		await fails("GET", `/files/${t.fileId}/download`, 404, 70101, { token: stranger.token });
		await fails("DELETE", `/files/${t.fileId}`, 404, 70101, { token: peer.token });
		// Knowing the ID is not enough: a friend of the owner who cannot read the file names it in
		// their own conversation with the owner, and still cannot read it.
		const own = await makeFriends(stranger, owner);
		const ownerSock = await connect(owner.token);
		const strangerSock = await connect(stranger.token);
		await sendWs(strangerSock, {
			conversationId: own,
			conversationType: "private",
			contentType: "file",
			content: JSON.stringify({ fileId: t.fileId }),
		});
		await ownerSock.waitForMessages(newIn(own));
		await fails("GET", `/files/${t.fileId}`, 404, 70101, { token: stranger.token });
		for (const x of [peerSock, ownerSock, strangerSock]) x.close();
	});

	it("group members may read a file shared in the group; former members and strangers may not", async () => {
		const owner = await registerUser();
		const member = await registerUser();
		const former = await registerUser();
		const stranger = await registerUser();
		const fileId = await uploadFile(owner, bytesOf(1000, 3), { fileType: "file", mimeType: "application/pdf" });
		const groupId = (await makeGroup(owner, [member, former])).groupId;
		await ok("POST", `/groups/${groupId}/quit`, { token: former.token });
		// Shared as a download URL inside a text message, sent over the WebSocket.
		const [ownerSock, memberSock] = await Promise.all([connect(owner.token), connect(member.token)]);
		const url = `https://example.com/blob/${fileId}?op=get`;
		const ack = await sendWs(ownerSock, {
			conversationId: groupId,
			conversationType: "group",
			content: `look at ${url}`,
		});
		expect(ack.type).toBe("message.sent");
		await memberSock.waitForMessages(newIn(groupId));
		expect(await download(member, fileId)).toEqual(bytesOf(1000, 3));
		await fails("GET", `/files/${fileId}`, 404, 70101, { token: former.token });
		await fails("GET", `/files/${fileId}`, 404, 70101, { token: stranger.token });
		// Once the group is dissolved its members lose access.
		await ok("DELETE", `/groups/${groupId}`, { token: owner.token });
		await fails("GET", `/files/${fileId}`, 404, 70101, { token: member.token });
		ownerSock.close();
		memberSock.close();
	});

	it("with R2 S3 credentials configured, URLs are R2 presigned URLs (Content-Type signed for PUT)", async () => {
		const s3Env = {
			...env,
			R2_ACCOUNT_ID: "acct123",
			R2_ACCESS_KEY_ID: "AKIDEXAMPLE",
			R2_SECRET_ACCESS_KEY: "test-only-not-a-real-secret",
			R2_BUCKET_NAME: "bucket-x",
		};
		const file = { id: `file-${crypto.randomUUID()}`, storageKey: "u1/2026-01-01/abc.jpg", mimeType: "image/jpeg" };
		const put = await signedFileUrl(s3Env, "http://ignored", "put", file, 3600);
		const url = new URL(put.url);
		expect(url.origin).toBe("https://acct123.r2.cloudflarestorage.com");
		expect(url.pathname).toBe("/bucket-x/u1/2026-01-01/abc.jpg");
		expect(url.searchParams.get("X-Amz-Expires")).toBe("3600");
		expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("content-type;host");
		expect(url.searchParams.get("X-Amz-Credential")).toMatch(/^AKIDEXAMPLE\/\d{8}\/auto\/s3\/aws4_request$/);
		expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
		expect(put.headers).toEqual({ "Content-Type": "image/jpeg" });
		const get = new URL((await signedFileUrl(s3Env, "http://ignored", "get", file, 600)).url);
		expect(get.searchParams.get("X-Amz-Expires")).toBe("600");
		expect(get.searchParams.get("X-Amz-SignedHeaders")).toBe("host");
	});

	it("extracts file IDs by the documented rule", () => {
		const a = `file-${crypto.randomUUID()}`;
		const b = `file-${crypto.randomUUID()}`;
		expect(extractFileIds(JSON.stringify({ image: { fileId: a }, other: "x" })).sort()).toEqual([a]);
		expect(extractFileIds(`see http://h/blob/${b}?op=get and ${a}`)).toEqual([b]);
		expect(extractFileIds(JSON.stringify({ fileId: "file-nope" }))).toEqual([]);
		expect(extractFileIds("plain text")).toEqual([]);
	});

	it("the byte route refuses forged, reused-for-another-op and oversized uploads", async () => {
		const u = await registerUser();
		const t = await uploadToken(u, { fileSize: 100 });
		const forged = t.uploadUrl.replace(/sig=[^&]+/, "sig=AAAA");
		expect((await put(forged, bytesOf(100), t.uploadHeaders)).status).toBe(403);
		// A download-signature is not an upload signature.
		expect((await put(t.uploadUrl.replace("op=put", "op=get"), bytesOf(100))).status).toBe(403);
		// Declared length exceeded (stream without Content-Length is cut off too).
		expect((await put(t.uploadUrl, bytesOf(101), t.uploadHeaders)).status).toBe(413);
		const stream = new ReadableStream<Uint8Array>({
			start(c) {
				c.enqueue(bytesOf(60));
				c.enqueue(bytesOf(60));
				c.close();
			},
		});
		const streamed = await SELF.fetch(t.uploadUrl, {
			method: "PUT",
			body: stream,
			headers: { "Content-Type": "image/jpeg" },
			// @ts-expect-error workerd fetch accepts duplex for streamed bodies
			duplex: "half",
		});
		expect(streamed.status).toBe(413);
		// Too short, and the wrong content type.
		expect((await put(t.uploadUrl, bytesOf(99), t.uploadHeaders)).status).toBe(400);
		expect((await put(t.uploadUrl, bytesOf(100), { "Content-Type": "text/plain" })).status).toBe(400);
		await fails("POST", `/files/${t.fileId}/complete`, 400, 70105, { token: u.token });
		// Without a Content-Type header the declared one is stored.
		expect((await put(t.uploadUrl, bytesOf(100))).status).toBe(200);
		await ok("POST", `/files/${t.fileId}/complete`, { token: u.token });
		// A completed file takes no more uploads.
		expect((await put(t.uploadUrl, bytesOf(100))).status).toBe(404);
	});

	it("complete checks the stored object's size and type against the declaration", async () => {
		const u = await registerUser();
		const t = await uploadToken(u, { fileSize: 50 });
		const info = await ok("GET", `/files/${t.fileId}`, { token: u.token });
		const key = (await env.DB.prepare("SELECT storage_key FROM files WHERE id = ?").bind(t.fileId).first<{
			storage_key: string;
		}>())!.storage_key;
		expect(info).toMatchObject({ status: 2, downloadUrl: "" });
		// Bytes that reached R2 some other way (as through a presigned URL) with another size.
		await env.FILES.put(key, bytesOf(40), { httpMetadata: { contentType: "image/jpeg" } });
		const bad = await fails("POST", `/files/${t.fileId}/complete`, 400, 70105, { token: u.token });
		expect(bad.body.message).toContain("size");
		expect(await env.FILES.head(key)).toBeNull();
		await env.FILES.put(key, bytesOf(50), { httpMetadata: { contentType: "image/png" } });
		const badType = await fails("POST", `/files/${t.fileId}/complete`, 400, 70105, { token: u.token });
		expect(badType.body.message).toContain("Content-Type");
		const other = await registerUser();
		await fails("POST", `/files/${t.fileId}/complete`, 404, 70101, { token: other.token });
		await fails("POST", "/files/file-unknown/complete", 404, 70101, { token: u.token });
	});

	it("lists my active files with paging and a fileType filter; delete removes the object", async () => {
		const u = await registerUser();
		const img = await uploadFile(u, bytesOf(10));
		const doc = await uploadFile(u, bytesOf(20), { fileType: "file", mimeType: "application/pdf", fileName: "a.pdf" });
		await uploadToken(u); // processing: not listed
		const all = await ok("GET", "/files", { token: u.token });
		expect(all).toMatchObject({ total: 2, page: 1, pageSize: 20 });
		expect(all.list.map((f: any) => f.fileId).sort()).toEqual([img, doc].sort());
		const images = await ok("GET", "/files?fileType=image&pageSize=1", { token: u.token });
		expect(images).toMatchObject({ total: 1, pageSize: 1 });
		expect(images.list[0].fileId).toBe(img);
		const page2 = await ok("GET", "/files?page=2&pageSize=1", { token: u.token });
		expect(page2.list).toHaveLength(1);
		await fails("GET", "/files?fileType=exe", 400, 400, { token: u.token });
		await fails("GET", "/files?pageSize=101", 400, 400, { token: u.token });

		const key = (await env.DB.prepare("SELECT storage_key FROM files WHERE id = ?").bind(img).first<{
			storage_key: string;
		}>())!.storage_key;
		const oldUrl = (await ok("GET", `/files/${img}/download`, { token: u.token })).downloadUrl;
		expect(await ok("DELETE", `/files/${img}`, { token: u.token })).toEqual({ success: true });
		expect(await env.FILES.head(key)).toBeNull();
		await fails("GET", `/files/${img}`, 404, 70101, { token: u.token });
		await fails("DELETE", `/files/${img}`, 404, 70101, { token: u.token });
		expect((await SELF.fetch(oldUrl)).status).toBe(404);
		expect((await ok("GET", "/files", { token: u.token })).total).toBe(1);
	});

	it("expired files are refused and removed by the scheduled clean-up, object and row", async () => {
		const u = await registerUser();
		const fileId = await uploadFile(u, bytesOf(30), { expiresHours: 1 });
		const info = await ok("GET", `/files/${fileId}`, { token: u.token });
		expect(info.expiresAt).toBeGreaterThan(info.createdAt);
		await fails("GET", `/files/${fileId}/download?expiresMinutes=0`, 400, 400, { token: u.token });
		const d = await ok("GET", `/files/${fileId}/download?expiresMinutes=5`, { token: u.token });
		expect(d.expiresIn).toBe(300);
		const key = (await env.DB.prepare("SELECT storage_key FROM files WHERE id = ?").bind(fileId).first<{
			storage_key: string;
		}>())!.storage_key;
		// Let the expiry pass.
		await env.DB.prepare("UPDATE files SET expires_at = ? WHERE id = ?")
			.bind(Math.floor(Date.now() / 1000) - 1, fileId)
			.run();
		await fails("GET", `/files/${fileId}/download`, 404, 70108, { token: u.token });
		expect((await SELF.fetch(d.downloadUrl)).status).toBe(404);

		const ctx = { waitUntil: (p: Promise<unknown>) => pending.push(p), passThroughOnException() {} } as any;
		const pending: Promise<unknown>[] = [];
		await worker.scheduled!(createScheduledController({ cron: "17 * * * *" }), env as any, ctx);
		await Promise.all(pending);
		expect(await env.DB.prepare("SELECT id FROM files WHERE id = ?").bind(fileId).first()).toBeNull();
		expect(await env.FILES.head(key)).toBeNull();
		await fails("GET", `/files/${fileId}`, 404, 70101, { token: u.token });
	});

	it("wrong HTTP inputs are 400s and a download URL needs a valid signature", async () => {
		const u = await registerUser();
		const fileId = await uploadFile(u, bytesOf(10));
		const d = await ok("GET", `/files/${fileId}/download`, { token: u.token });
		expect((await SELF.fetch(d.downloadUrl.replace(/exp=\d+/, "exp=9999999999"))).status).toBe(403);
		const res = await call("POST", "/files/upload-token", {
			token: u.token,
			raw: "{",
			contentType: "application/json",
		});
		expect(res.status).toBe(400);
	});
});

describe("files route table", () => {
	it("serves every upstream files operation (6), documented, with its auth kind", () => {
		const byKey = new Map(operations(app.routes).map((o) => [`${o.method} ${o.path}`, o]));
		for (const op of [
			"POST /files/upload-token",
			"POST /files/:fileId/complete",
			"GET /files/:fileId/download",
			"GET /files/:fileId",
			"DELETE /files/:fileId",
			"GET /files",
		]) {
			const [method, path] = op.split(" ");
			const found = byKey.get(`${method} /api/v1${path}`);
			expect(found, op).toBeDefined();
			expect(found!.summary, op).toBeTruthy();
			expect(found!.auth, op).toBe(op === "POST /admin/auth/login" ? undefined : "user");
		}
	});
});
