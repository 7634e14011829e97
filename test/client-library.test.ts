import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
	AnyChatClient,
	ApiError,
	type Message,
	memoryTokenStore,
	type SocketConstructor,
	type WireFormat,
} from "../client";
import { privateConversationId } from "../contracts/ids";
import { BASE } from "./fixtures/api";

/**
 * The platform WebSocket as workerd gives it to a test: an upgrade through SELF.fetch (a
 * `new WebSocket(url)` would leave the test runtime). Records what the server chose and sent.
 */
function workerSocket(log: { protocols: (string | null)[]; binary: number; text: number }): SocketConstructor {
	return class {
		readyState = 0;
		binaryType?: string;
		private ws: WebSocket | null = null;
		private readonly listeners = new Map<string, ((ev: any) => void)[]>();
		constructor(url: string, protocols?: string | string[]) {
			const offer = Array.isArray(protocols) ? protocols.join(", ") : (protocols ?? "");
			void SELF.fetch(url.replace(/^ws/, "http"), {
				headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": offer },
			}).then((res) => {
				const ws = res.webSocket;
				if (!ws) {
					this.readyState = 3;
					return this.fire("close", { code: 1006, reason: `HTTP ${res.status}` });
				}
				ws.accept();
				log.protocols.push(res.headers.get("Sec-WebSocket-Protocol"));
				(ws as { binaryType?: string }).binaryType = this.binaryType;
				ws.addEventListener("message", (e) => {
					if (typeof e.data === "string") log.text++;
					else log.binary++;
					this.fire("message", { data: e.data });
				});
				ws.addEventListener("close", (e) => {
					this.readyState = 3;
					this.fire("close", { code: e.code, reason: e.reason });
				});
				this.ws = ws;
				this.readyState = 1;
				this.fire("open", {});
			});
		}
		send(data: string | Uint8Array) {
			this.ws?.send(data);
		}
		close(code?: number, reason?: string) {
			this.readyState = 3;
			this.ws?.close(code, reason);
		}
		addEventListener(type: string, fn: (ev: any) => void) {
			this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
		}
		private fire(type: string, ev: unknown) {
			for (const fn of this.listeners.get(type) ?? []) fn(ev);
		}
	};
}

/** The client library inside workerd, against the real Worker: the Workers side of "runs everywhere". */
function newClient() {
	const tokens = memoryTokenStore();
	const client = new AnyChatClient({
		baseUrl: BASE,
		tokens,
		fetch: (input, init) => SELF.fetch(input as string, init),
	});
	return { client, tokens };
}

let n = 0;
async function registered() {
	const { client, tokens } = newClient();
	const id = `cl${Date.now().toString(36)}${(n++).toString(36)}${Math.random().toString(36).slice(2, 5)}`;
	const me = await client.auth.register({
		email: `${id}@example.com`,
		password: "Passw0rd!",
		verifyCode: "000000",
		nickname: id.slice(0, 20),
		deviceType: "web",
		deviceId: `dev-${id}`,
		clientVersion: "1.0.0",
	});
	return { client, tokens, userId: me.userId, nickname: id.slice(0, 20) };
}

describe("client library in workerd", () => {
	it("registers, reads the profile and walks the friend flow with typed results", async () => {
		const a = await registered();
		const b = await registered();
		expect(await a.client.users.me()).toMatchObject({ userId: a.userId, nickname: a.nickname });
		const sent = await a.client.friends.sendRequest({ userId: b.userId, source: "search", message: "hi" });
		expect(sent.autoAccepted).toBe(false);
		const received = await b.client.friends.requests({ type: "received" });
		expect(received.list.map((r) => r.fromUserId)).toEqual([a.userId]);
		await b.client.friends.handleRequest(sent.requestId, { action: "accept" });
		const friends = await a.client.friends.list();
		expect(friends.list.map((f) => f.userInfo.nickname)).toEqual([b.nickname]);
		expect(friends).toMatchObject({ total: 1, page: 1, pageSize: 20 });
	});

	it("creates a group and lists its members", async () => {
		const a = await registered();
		const b = await registered();
		const g = await a.client.groups.create({ name: "client test", memberIds: [b.userId] });
		expect(g.myRole).toBe("owner");
		const { members } = await a.client.groups.members(g.groupId);
		expect(members.map((m) => m.role).sort()).toEqual(["member", "owner"]);
		const { groups } = await b.client.groups.list();
		expect(groups.map((x) => x.groupId)).toContain(g.groupId);
	});

	it("searches messages: typed results, and a 400 as ApiError", async () => {
		const a = await registered();
		const b = await registered();
		const sent = await a.client.friends.sendRequest({ userId: b.userId, source: "search" });
		if (!sent.autoAccepted) await b.client.friends.handleRequest(sent.requestId, { action: "accept" });
		const conversationId = privateConversationId(a.userId, b.userId);
		const body = { conversationId, conversationType: "private", contentType: "text" } as const;
		await a.client.messages.send({ ...body, content: "大家你好呀" });
		await a.client.messages.send({ ...body, content: "nothing here" });
		const found = await b.client.messages.search({ keyword: "你好", conversationId });
		expect(found.total).toBe(1);
		expect(found.list.map((m) => [m.senderId, m.content, m.sequence])).toEqual([[a.userId, "大家你好呀", 1]]);
		expect((await a.client.messages.search({ keyword: "NOTHING", limit: 5 })).total).toBe(1);
		const e = await b.client.messages.search({ keyword: "x", limit: 0 }).catch((x) => x);
		expect(e).toBeInstanceOf(ApiError);
		expect(e.status).toBe(400);
		expect(e.message).toMatch(/limit/);
	});

	it("turns refusals into ApiError with the business code and the HTTP status", async () => {
		const a = await registered();
		const e = await a.client.friends.sendRequest({ userId: a.userId, source: "search" }).catch((x) => x);
		expect(e).toBeInstanceOf(ApiError);
		expect(e.code).toBe(30106);
		expect(e.status).toBe(400);
		expect(e.message).toMatch(/yourself/i);
	});

	it("refreshes a rejected access token with the refresh token, stores the rotated pair and retries", async () => {
		const a = await registered();
		const before = a.tokens.get()!;
		a.tokens.set({ ...before, accessToken: "not-a-valid-token" });
		expect((await a.client.users.me()).userId).toBe(a.userId);
		const after = a.tokens.get()!;
		expect(after.accessToken).not.toBe("not-a-valid-token");
		expect(after.refreshToken).not.toBe(before.refreshToken);
		// The old refresh token was used up by the rotation.
		const { client: other } = newClient();
		other.http.tokens.set({ accessToken: "x", refreshToken: before.refreshToken, expiresAt: 0 });
		expect(await other.auth.refresh()).toBe(false);
	});

	it("chats over protobuf and JSON sockets: the same messages, in order, on both sides", async () => {
		const a = await registered();
		const b = await registered();
		const req = await a.client.friends.sendRequest({ userId: b.userId, source: "search" });
		await b.client.friends.handleRequest(req.requestId, { action: "accept" });
		const conv = privateConversationId(a.userId, b.userId);

		const live = (who: typeof a, wire: WireFormat) => {
			const log = { protocols: [] as (string | null)[], binary: 0, text: 0 };
			const rt = who.client.realtime({ wire, WebSocket: workerSocket(log) });
			const got: Message[] = [];
			rt.on("message", (m) => got.push(m));
			rt.known(conv, 0);
			rt.connect();
			return { rt, got, log };
		};
		const pb = live(a, "pb");
		const json = live(b, "json");
		await expect.poll(() => [pb.rt.status, json.rt.status]).toEqual(["live", "live"]);

		const say = (side: typeof pb, text: string) =>
			side.rt.send({ conversationId: conv, conversationType: "private", contentType: "text", content: text });
		await say(pb, "over protobuf 1");
		await say(json, "over json 1");
		await say(pb, "over protobuf 2");
		await expect.poll(() => [pb.got.length, json.got.length]).toEqual([3, 3]);

		const view = (got: Message[]) => got.map((m) => [m.sequence, m.messageId, m.senderId, m.content]);
		expect(view(pb.got)).toEqual(view(json.got));
		expect(view(pb.got).map(([seq, , sender, text]) => [seq, sender, text])).toEqual([
			[1, a.userId, "over protobuf 1"],
			[2, b.userId, "over json 1"],
			[3, a.userId, "over protobuf 2"],
		]);
		// Each side got what it asked for: protobuf frames for one, JSON text for the other.
		expect(pb.log.protocols).toEqual(["anychat.pb"]);
		expect(json.log.protocols).toEqual(["anychat"]);
		expect([pb.log.binary > 0, pb.log.text]).toEqual([true, 0]);
		expect([json.log.text > 0, json.log.binary]).toEqual([true, 0]);
		pb.rt.close();
		json.rt.close();
	});
});
