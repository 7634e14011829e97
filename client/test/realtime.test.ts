import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ConversationMessages, Message, SessionsApi, SyncApi, SyncResult } from "../api";
import { ApiError } from "../errors";
import { Http, memoryTokenStore } from "../http";
import { RealtimeClient } from "../realtime/client";

/** A scriptable stand-in for the server end of one socket. */
class FakeSocket {
	static all: FakeSocket[] = [];
	readyState = 0;
	sent: Array<{ type: string; payload: any }> = [];
	private listeners = new Map<string, Array<(ev: any) => void>>();
	constructor(readonly url: string) {
		FakeSocket.all.push(this);
	}
	addEventListener(type: string, fn: (ev: any) => void) {
		this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
	}
	private fire(type: string, ev: unknown) {
		for (const fn of this.listeners.get(type) ?? []) fn(ev);
	}
	send(data: string) {
		this.sent.push(JSON.parse(data));
	}
	close() {
		this.readyState = 3;
	}
	serverOpen() {
		this.readyState = 1;
		this.fire("open", {});
	}
	serverSend(type: string, payload: unknown) {
		this.fire("message", { data: JSON.stringify({ type, payload }) });
	}
	serverNotify(notificationType: string, data: unknown) {
		this.serverSend("notification", { notificationType, timestamp: 1, data });
	}
	/** What Node's WebSocket does when the connection is refused: error, no close, still CONNECTING. */
	serverRefuse() {
		this.fire("error", {});
	}
	serverClose(code = 1006) {
		this.readyState = 3;
		this.fire("close", { code, reason: "" });
	}
	sends() {
		return this.sent.filter((f) => f.type === "message.send").map((f) => f.payload.localId);
	}
}

const msg = (conversationId: string, sequence: number): Message => ({
	messageId: `m${sequence}`,
	conversationId,
	conversationType: "private",
	senderId: "peer",
	contentType: "text",
	content: `#${sequence}`,
	sequence,
	status: 0,
	replyTo: "",
	atUsers: [],
	createdAt: 1,
	timestamp: 1,
});

const emptySync: SyncResult = {
	friends: { list: [], total: 0 },
	groups: { list: [], total: 0 },
	sessions: { list: [], hasMore: false },
	conversations: [],
	syncTime: 100,
};
const flush = () => new Promise((r) => setTimeout(r, 0));

function setup(api: {
	sync?: SyncApi["sync"];
	syncMessages?: SyncApi["messages"];
	history?: SessionsApi["messages"];
	seqs?: Record<string, number>;
	fetch?: typeof fetch;
}) {
	const http = new Http({
		baseUrl: "http://chat.test",
		tokens: memoryTokenStore({ accessToken: "a.eyJ1c2VySWQiOiJtZSJ9.s", refreshToken: "r", expiresAt: 0 }),
		fetch: api.fetch ?? (async () => new Response("{}", { status: 500 })),
	});
	const sync = {
		sync: api.sync ?? (async () => emptySync),
		messages: api.syncMessages ?? (async () => []),
	} as unknown as SyncApi;
	const sessions = { messages: api.history ?? (async () => ({ list: [], hasMore: false })) } as unknown as SessionsApi;
	const rt = new RealtimeClient({
		http,
		sync,
		sessions,
		WebSocket: FakeSocket as never,
		random: () => 0,
		pongTimeoutMs: 10_000,
		initialState: { lastSyncTime: 0, seqs: api.seqs ?? {} },
	});
	const delivered: string[] = [];
	rt.on("message", (m) => delivered.push(`${m.conversationId}:${m.sequence}`));
	return { rt, delivered };
}

describe("RealtimeClient", () => {
	beforeEach(() => {
		FakeSocket.all = [];
	});
	afterEach(() => vi.useRealTimers());

	it("re-sends unacknowledged messages with the same localId after a reconnect", async () => {
		const { rt, delivered } = setup({ seqs: { c: 0 } });
		rt.connect();
		await flush();
		const s1 = FakeSocket.all[0]!;
		s1.serverOpen();
		const p1 = rt.send({ conversationId: "c", conversationType: "private", contentType: "text", content: "a" });
		const p2 = rt.send({ conversationId: "c", conversationType: "private", contentType: "text", content: "b" });
		const [l1, l2] = s1.sends();
		s1.serverSend("message.sent", { localId: l1, messageId: "x1", sequence: 1, timestamp: 5 });
		expect((await p1).sequence).toBe(1);
		s1.serverClose();
		await vi.waitFor(() => expect(FakeSocket.all.length).toBe(2));
		const s2 = FakeSocket.all[1]!;
		s2.serverOpen();
		expect(s2.sends()).toEqual([l2]);
		// The server answers a retry with the original ack; the message is delivered once.
		s2.serverSend("message.sent", { localId: l2, messageId: "x2", sequence: 2, timestamp: 6 });
		s2.serverSend("message.sent", { localId: l2, messageId: "x2", sequence: 2, timestamp: 6 });
		expect((await p2).messageId).toBe("x2");
		expect(delivered).toEqual(["c:1", "c:2"]);
		expect(rt.outbox.size).toBe(0);
		rt.close();
	});

	it("catches up through /sync and /sync/messages while buffering live frames, then delivers in order once", async () => {
		let releaseSync!: (r: SyncResult) => void;
		const asked: number[] = [];
		const { rt, delivered } = setup({
			seqs: { c: 0 },
			sync: (body) => {
				expect(body.conversationSeqs).toEqual([{ conversationId: "c", lastSeq: 0 }]);
				return new Promise((r) => (releaseSync = r));
			},
			syncMessages: async (body): Promise<ConversationMessages[]> => {
				const after = body.conversationSeqs[0]!.lastSeq ?? 0;
				asked.push(after);
				const list = [after + 1, after + 2].filter((s) => s <= 6).map((s) => msg("c", s));
				return [{ conversationId: "c", conversationType: "private", messages: list, hasMore: after + 2 < 6 }];
			},
		});
		rt.connect();
		await flush();
		const s = FakeSocket.all[0]!;
		s.serverOpen();
		expect(rt.status).toBe("syncing");
		// Live frames during catch-up: held back, some of them duplicates of what sync returns.
		s.serverNotify("message.new", msg("c", 7));
		s.serverNotify("message.new", msg("c", 5));
		expect(delivered).toEqual([]);
		releaseSync({
			...emptySync,
			conversations: [
				{ conversationId: "c", conversationType: "private", messages: [msg("c", 1), msg("c", 2)], hasMore: true },
			],
		});
		await vi.waitFor(() => expect(rt.status).toBe("live"));
		expect(asked).toEqual([2, 4]);
		expect(delivered).toEqual(["c:1", "c:2", "c:3", "c:4", "c:5", "c:6", "c:7"]);
		expect(rt.state()).toEqual({ lastSyncTime: 100, seqs: { c: 7 } });
		rt.close();
	});

	it("back-fills a hole in live delivery from history with after=", async () => {
		const calls: Array<{ id: string; after?: number }> = [];
		const { rt, delivered } = setup({
			seqs: { c: 1 },
			history: async (id, q) => {
				calls.push({ id, after: q?.after as number | undefined });
				return { list: [msg("c", 3), msg("c", 2)], hasMore: false };
			},
		});
		rt.connect();
		await flush();
		const s = FakeSocket.all[0]!;
		s.serverOpen();
		await vi.waitFor(() => expect(rt.status).toBe("live"));
		s.serverNotify("message.new", msg("c", 4));
		await vi.waitFor(() => expect(delivered).toEqual(["c:2", "c:3", "c:4"]));
		expect(calls).toEqual([{ id: "c", after: 1 }]);
		rt.close();
	});

	it("types every notification and passes unknown ones through the generic event", async () => {
		const { rt } = setup({});
		const seen: string[] = [];
		rt.on("notify:friend.request_handled", (d) => seen.push(`handled:${d.status}`));
		rt.on("notification", (n) => seen.push(n.notificationType));
		rt.connect();
		await flush();
		const s = FakeSocket.all[0]!;
		s.serverOpen();
		s.serverNotify("friend.request_handled", { requestId: 1, status: "accepted" });
		s.serverNotify("something.new", { x: 1 });
		expect(seen).toEqual(["friend.request_handled", "handled:accepted", "something.new"]);
		rt.close();
	});

	it("reconnects when no frame answers a heartbeat", async () => {
		vi.useFakeTimers();
		const { rt } = setup({});
		rt.connect();
		await vi.advanceTimersByTimeAsync(0);
		FakeSocket.all[0]!.serverOpen();
		await vi.advanceTimersByTimeAsync(25_000);
		expect(FakeSocket.all[0]!.sent.some((f) => f.type === "ping")).toBe(true);
		await vi.advanceTimersByTimeAsync(10_001);
		expect(FakeSocket.all.length).toBe(2);
		rt.close();
	});

	it("goes live without catch-up against a server that has no sync route", async () => {
		const { rt } = setup({
			sync: async () => {
				throw new ApiError(404, 404, "no route for POST /api/v1/sync");
			},
		});
		const seen: string[] = [];
		rt.on("notify:friend.deleted", (d) => seen.push(d.friendUserId));
		rt.connect();
		await flush();
		FakeSocket.all[0]!.serverOpen();
		await vi.waitFor(() => expect(rt.status).toBe("live"));
		FakeSocket.all[0]!.serverNotify("friend.deleted", { friendUserId: "f", deletedAt: 1 });
		expect(seen).toEqual(["f"]);
		expect(FakeSocket.all.length).toBe(1);
		rt.close();
	});

	it("retries the whole catch-up on a new socket when sync fails for another reason", async () => {
		let calls = 0;
		const { rt } = setup({
			sync: async () => {
				calls++;
				if (calls === 1) throw new ApiError(500, 500, "internal server error");
				return emptySync;
			},
		});
		rt.connect();
		await flush();
		FakeSocket.all[0]!.serverOpen();
		await vi.waitFor(() => expect(FakeSocket.all.length).toBe(2));
		FakeSocket.all[1]!.serverOpen();
		await vi.waitFor(() => expect(rt.status).toBe("live"));
		expect(calls).toBe(2);
		rt.close();
	});

	it("reconnect() replaces the socket and re-sends what is not acknowledged", async () => {
		const { rt } = setup({});
		rt.connect();
		await flush();
		FakeSocket.all[0]!.serverOpen();
		await vi.waitFor(() => expect(rt.status).toBe("live"));
		void rt.send({ conversationId: "c", conversationType: "private", contentType: "text", content: "x" });
		const [localId] = FakeSocket.all[0]!.sends();
		rt.reconnect();
		await vi.waitFor(() => expect(FakeSocket.all.length).toBe(2));
		expect(FakeSocket.all[0]!.readyState).toBe(3);
		FakeSocket.all[1]!.serverOpen();
		expect(FakeSocket.all[1]!.sends()).toEqual([localId]);
		// Frames from the dropped socket are ignored.
		FakeSocket.all[0]!.serverSend("message.sent", { localId, messageId: "m", sequence: 1, timestamp: 1 });
		expect(rt.outbox.size).toBe(1);
		rt.close();
	});

	it("stops for good when the server ends the device's session", async () => {
		const { rt } = setup({});
		const ended: number[] = [];
		rt.on("ended", (e) => ended.push(e.code));
		rt.connect();
		await flush();
		FakeSocket.all[0]!.serverOpen();
		FakeSocket.all[0]!.serverClose(4003);
		await flush();
		expect(ended).toEqual([4003]);
		expect(rt.status).toBe("closed");
		expect(FakeSocket.all.length).toBe(1);
	});

	it("rejects a send the server refuses and drops it from the outbox", async () => {
		const { rt } = setup({});
		rt.connect();
		await flush();
		const s = FakeSocket.all[0]!;
		s.serverOpen();
		const p = rt.send({ conversationId: "c", conversationType: "private", contentType: "text", content: "x" });
		s.serverSend("message.error", { code: 30114, message: "not friends", localId: s.sends()[0] });
		await expect(p).rejects.toMatchObject({ code: 30114, message: "not friends" });
		expect(rt.outbox.size).toBe(0);
		rt.close();
	});

	it("waits out a rate-limit refusal and sends the message again, keeping the order of sending", async () => {
		vi.useFakeTimers();
		const { rt, delivered } = setup({ seqs: { c: 0 } });
		rt.connect();
		await vi.advanceTimersByTimeAsync(0);
		const s = FakeSocket.all[0]!;
		s.serverOpen();
		await vi.advanceTimersByTimeAsync(0);
		const send = (content: string) =>
			rt.send({ conversationId: "c", conversationType: "private", contentType: "text", content });
		const p1 = send("a");
		const [l1] = s.sends();
		s.serverSend("message.error", { code: 429, message: "too many messages", localId: l1, retryAfterMs: 200 });
		// Held, not refused; a later send queues behind it instead of overtaking it.
		const p2 = send("b");
		expect(s.sends()).toEqual([l1]);
		expect(rt.outbox.size).toBe(2);
		await vi.advanceTimersByTimeAsync(199);
		expect(s.sends()).toEqual([l1]);
		await vi.advanceTimersByTimeAsync(1);
		const l2 = rt.outbox.pending()[1]!.payload.localId;
		expect(s.sends()).toEqual([l1, l1, l2]);
		s.serverSend("message.sent", { localId: l1, conversationId: "c", messageId: "x1", sequence: 1, timestamp: 5 });
		s.serverSend("message.sent", { localId: l2, conversationId: "c", messageId: "x2", sequence: 2, timestamp: 5 });
		expect((await p1).sequence).toBe(1);
		expect((await p2).sequence).toBe(2);
		expect(delivered).toEqual(["c:1", "c:2"]);
		rt.close();
	});

	it("reconnects after a refused connection that reports only an error (Node's WebSocket)", async () => {
		const { rt } = setup({ seqs: { c: 0 } });
		rt.connect();
		await flush();
		FakeSocket.all[0]!.serverOpen();
		await vi.waitFor(() => expect(rt.status).toBe("live"));
		const p = rt.send({ conversationId: "c", conversationType: "private", contentType: "text", content: "x" });
		const [localId] = FakeSocket.all[0]!.sends();
		FakeSocket.all[0]!.serverClose();
		await vi.waitFor(() => expect(FakeSocket.all.length).toBe(2));
		// The server is still down: the attempt errors and stays CONNECTING, with no close event.
		FakeSocket.all[1]!.serverRefuse();
		await vi.waitFor(() => expect(FakeSocket.all.length).toBe(3));
		FakeSocket.all[2]!.serverOpen();
		expect(FakeSocket.all[2]!.sends()).toEqual([localId]);
		FakeSocket.all[2]!.serverSend("message.sent", { localId, messageId: "m", sequence: 1, timestamp: 1 });
		expect((await p).sequence).toBe(1);
		rt.close();
	});

	it("keeps retrying while the server is unreachable and ends only when the refresh is refused", async () => {
		let reachable = false;
		const refreshes: string[] = [];
		const { rt } = setup({
			fetch: async (url) => {
				refreshes.push(String(url));
				if (!reachable) throw new TypeError("fetch failed");
				return new Response(JSON.stringify({ code: 10003, message: "refresh token revoked", data: null }), {
					status: 401,
				});
			},
		});
		const ended: number[] = [];
		rt.on("ended", (e) => ended.push(e.code));
		rt.connect();
		// Two attempts in a row never open; from then on each attempt first tries a token refresh,
		// which cannot reach the server either: that is an outage, not an expired session.
		for (let i = 0; i < 2; i++) {
			await vi.waitFor(() => expect(FakeSocket.all.length).toBe(i + 1));
			FakeSocket.all[i]!.serverRefuse();
		}
		await vi.waitFor(() => expect(refreshes.length).toBeGreaterThanOrEqual(3));
		expect(ended).toEqual([]);
		expect(rt.status).not.toBe("closed");
		// The server answers again and refuses the refresh token: now the session is over.
		reachable = true;
		await vi.waitFor(() => expect(ended).toEqual([401]));
		expect(rt.status).toBe("closed");
	});

	it("gives up on a handshake that never completes and tries again", async () => {
		vi.useFakeTimers();
		const { rt } = setup({});
		rt.connect();
		await vi.advanceTimersByTimeAsync(0);
		expect(FakeSocket.all.length).toBe(1);
		await vi.advanceTimersByTimeAsync(10_001);
		expect(FakeSocket.all.length).toBe(2);
		FakeSocket.all[1]!.serverOpen();
		// Once open, the connect deadline is gone: no new socket while the heartbeat is answered.
		await vi.advanceTimersByTimeAsync(20_000);
		expect(FakeSocket.all.length).toBe(2);
		rt.close();
	});

	it("retries a failed back-fill on its own, with no further live message to trigger it", async () => {
		let calls = 0;
		const { rt, delivered } = setup({
			seqs: { c: 1 },
			history: async () => {
				// The first request dies with the connection (e.g. the server restarts mid-request).
				if (++calls === 1) throw new ApiError(0, 0, "fetch failed");
				return { list: [msg("c", 2), msg("c", 3)], hasMore: false };
			},
		});
		rt.connect();
		await flush();
		FakeSocket.all[0]!.serverOpen();
		await vi.waitFor(() => expect(rt.status).toBe("live"));
		// The last message of a burst arrives with a hole below it; nothing else follows.
		FakeSocket.all[0]!.serverNotify("message.new", msg("c", 4));
		await vi.waitFor(() => expect(delivered).toEqual(["c:2", "c:3", "c:4"]));
		expect(calls).toBe(2);
		rt.close();
	});
});
