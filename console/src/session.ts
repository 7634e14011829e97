import {
	AnyChatClient,
	describeError,
	type Message,
	type RealtimeClient,
	type RealtimeStatus,
	type SendPayload,
	type Session,
	type TokenStore,
	type Tokens,
} from "../../client";
import { privatePeers } from "../../contracts/ids";
import { Store } from "./store";

/**
 * Tokens and the device ID live in sessionStorage: each browser tab is its own device
 * (so a second tab logs in as a second device instead of replacing the first's socket),
 * and a reload keeps the tab logged in.
 */
const tabTokens: TokenStore = {
	get: () => {
		const raw = sessionStorage.getItem("anychat.tokens");
		return raw ? (JSON.parse(raw) as Tokens) : null;
	},
	set: (t) =>
		t ? sessionStorage.setItem("anychat.tokens", JSON.stringify(t)) : sessionStorage.removeItem("anychat.tokens"),
};

export function deviceId(): string {
	let id = sessionStorage.getItem("anychat.device");
	if (!id) {
		id = `web-${crypto.randomUUID()}`;
		sessionStorage.setItem("anychat.device", id);
	}
	return id;
}

export const client = new AnyChatClient({
	baseUrl: "",
	tokens: tabTokens,
	onSessionExpired: () => endLocal("Your session has expired. Please log in again."),
});

export interface Person {
	nickname: string;
	avatar: string;
}

export interface AppState {
	me: { userId: string; nickname: string } | null;
	status: RealtimeStatus;
	notice: string;
	sessions: Session[];
	sessionsError: string;
	messages: Record<string, Message[]>;
	hasOlder: Record<string, boolean>;
	typing: Record<string, { userId: string; until: number }>;
	receipts: Record<string, Record<string, number>>;
	people: Record<string, Person>;
	openConversation: string;
	tab: string;
	groupNames: Record<string, string>;
	incomingCall: { callId: string; callerId: string; callType: string } | null;
	callEvents: string[];
	friendsVersion: number;
	groupsVersion: number;
	/** Sends not acknowledged yet (or refused), shown under the conversation until resolved. */
	pending: Record<string, { conversationId: string; text: string; failed: string }>;
}

export const store = new Store<AppState>({
	me: null,
	status: "idle",
	notice: "",
	sessions: [],
	sessionsError: "",
	messages: {},
	hasOlder: {},
	typing: {},
	receipts: {},
	people: {},
	openConversation: "",
	tab: "Chats",
	groupNames: {},
	incomingCall: null,
	callEvents: [],
	friendsVersion: 0,
	groupsVersion: 0,
	pending: {},
});

let rt: RealtimeClient | null = null;
export const realtime = () => rt;

/** The realtime cursor survives reloads of the tab. */
const RT_STATE = "anychat.rt";

export async function startSession() {
	const me = await client.users.me();
	store.set({ me: { userId: me.userId, nickname: me.nickname }, people: { [me.userId]: me } });
	void loadSessions();
	const saved = sessionStorage.getItem(RT_STATE);
	rt = client.realtime({ initialState: saved ? JSON.parse(saved) : undefined });
	rt.on("status", (status) => store.set({ status }));
	rt.on("message", onMessage);
	rt.on("message.updated", (m) => replaceMessage(m));
	rt.on("synced", () => {
		sessionStorage.setItem(RT_STATE, JSON.stringify(rt!.state()));
		void loadSessions();
	});
	rt.on("ended", (e) => endLocal(`Signed out: ${e.reason || `connection closed (${e.code})`}.`));
	rt.on("send.failed", (f) => store.set({ notice: `Message not sent: ${f.message} (${f.code})` }));
	rt.on("notify:message.mentioned", async (d) => {
		if (!d.conversationId.startsWith("p_") && !store.state.groupNames[d.conversationId]) await loadGroupNames();
		store.set({ notice: `${personName(d.fromUserId)} mentioned you in ${conversationTitle(d.conversationId)}` });
	});
	rt.on("problem", (e) => console.warn("realtime", describeError(e)));
	rt.on("notification", (n) => {
		const t = n.notificationType;
		if (t.startsWith("friend.") || t === "user.friend_profile_changed")
			store.set((s) => ({ friendsVersion: s.friendsVersion + 1 }));
		if (t.startsWith("group.")) {
			store.set((s) => ({ groupsVersion: s.groupsVersion + 1 }));
			void loadGroupNames();
		}
		if (t.startsWith("session.")) scheduleSessions();
	});
	rt.on("notify:friend.request", (d) =>
		store.set({ notice: `Friend request from ${d.fromUserInfo.nickname || d.fromUserId}` }),
	);
	rt.on("notify:group.invited", (d) => store.set({ notice: `You were invited to the group ${d.groupName}` }));
	rt.on("notify:message.typing", (d) => {
		if (d.userId === store.state.me?.userId) return;
		store.set((s) => ({
			typing: { ...s.typing, [d.conversationId]: { userId: d.userId, until: d.typing ? Date.now() + 5000 : 0 } },
		}));
		if (d.typing) setTimeout(() => store.set((s) => ({ typing: { ...s.typing } })), 5100);
	});
	rt.on("notify:message.read_receipt", (d) =>
		store.set((s) => ({
			receipts: {
				...s.receipts,
				[d.conversationId]: { ...s.receipts[d.conversationId], [d.userId]: d.lastReadSeq },
			},
		})),
	);
	rt.on("notify:message.recalled", (d) => {
		const list = store.state.messages[d.conversationId] ?? [];
		const m = list.find((x) => x.messageId === d.messageId);
		if (m) replaceMessage({ ...m, status: 1, content: "" });
	});
	rt.on("notify:livekit.call_invite", (d) => store.set({ incomingCall: d }));
	rt.on("notify:livekit.call_status", (d) =>
		store.set((s) => ({
			callEvents: [`Call ${d.callId.slice(0, 8)}: ${d.status}`, ...s.callEvents].slice(0, 20),
			incomingCall: s.incomingCall?.callId === d.callId && d.status !== "connected" ? null : s.incomingCall,
		})),
	);
	rt.on("notify:livekit.call_rejected", (d) =>
		store.set((s) => ({ callEvents: [`Call ${d.callId.slice(0, 8)}: rejected`, ...s.callEvents].slice(0, 20) })),
	);
	rt.connect();
}

export function endLocal(notice = "") {
	rt?.close();
	rt = null;
	client.http.setTokens(null);
	sessionStorage.removeItem(RT_STATE);
	store.set({ me: null, notice, sessions: [], messages: {}, status: "closed", openConversation: "" });
}

export async function logout() {
	try {
		await client.auth.logout({ deviceId: deviceId() });
	} catch {
		// The server may already consider this device logged out; leaving locally is what matters.
	}
	endLocal("");
}

let sessionsTimer: ReturnType<typeof setTimeout> | null = null;
function scheduleSessions() {
	if (sessionsTimer) return;
	sessionsTimer = setTimeout(() => {
		sessionsTimer = null;
		void loadSessions();
	}, 250);
}

export async function loadSessions() {
	try {
		const { list } = await client.sessions.list({ limit: 100 });
		store.set({ sessions: list, sessionsError: "" });
		for (const s of list) if (s.sessionType !== "group") personName(s.targetId);
	} catch (e) {
		store.set({ sessionsError: describeError(e) });
	}
}

function sortedInsert(list: Message[], m: Message): Message[] {
	if (list.some((x) => x.sequence === m.sequence)) return list.map((x) => (x.sequence === m.sequence ? m : x));
	return [...list, m].sort((a, b) => a.sequence - b.sequence);
}

function onMessage(m: Message) {
	if (m.senderInfo) rememberPerson(m.senderId, m.senderInfo);
	store.set((s) => ({
		messages: { ...s.messages, [m.conversationId]: sortedInsert(s.messages[m.conversationId] ?? [], m) },
	}));
	if (store.state.openConversation === m.conversationId && m.senderId !== store.state.me?.userId) {
		void markRead(m.conversationId);
	}
	scheduleSessions();
}

export function replaceMessage(m: Message) {
	store.set((s) => ({
		messages: { ...s.messages, [m.conversationId]: sortedInsert(s.messages[m.conversationId] ?? [], m) },
	}));
}

/** Older history, newest-first pages through `before`; the realtime sequencer learns what is held. */
export async function loadHistory(conversationId: string, older = false) {
	const have = store.state.messages[conversationId] ?? [];
	const before = older && have.length ? have[0]!.sequence : undefined;
	const page = await client.sessions.messages(conversationId, { before, limit: 30 });
	// Merge into what the store holds now: live messages (own sends included) may have arrived
	// while the page was on its way, and must not be overwritten by the older snapshot.
	store.set((s) => {
		let merged = s.messages[conversationId] ?? [];
		for (const m of page.list) merged = sortedInsert(merged, m);
		return {
			messages: { ...s.messages, [conversationId]: merged },
			hasOlder: { ...s.hasOlder, [conversationId]: page.hasMore },
		};
	});
	// An empty history means the conversation starts at sequence 1: say so, so a first live
	// message with a later sequence is back-filled rather than taken as the start.
	if (!older)
		rt?.known(
			conversationId,
			page.list.reduce((max, m) => Math.max(max, m.sequence), 0),
		);
}

export async function markRead(conversationId: string) {
	const last = store.state.messages[conversationId]?.at(-1)?.sequence;
	try {
		await client.sessions.read(conversationId, last);
		scheduleSessions();
	} catch (e) {
		store.set({ notice: `Could not mark as read: ${describeError(e)}` });
	}
}

export function rememberPerson(userId: string, p: Partial<Person>) {
	if (!userId) return;
	store.set((s) => ({
		people: { ...s.people, [userId]: { nickname: p.nickname ?? "", avatar: p.avatar ?? "" } },
	}));
}

const asked = new Set<string>();
/** A display name; unknown users are looked up once in the background. */
export function personName(userId: string): string {
	const p = store.state.people[userId];
	if (p?.nickname) return p.nickname;
	if (userId && !asked.has(userId) && store.state.me) {
		asked.add(userId);
		client.users
			.get(userId)
			.then((u) => rememberPerson(userId, u))
			.catch(() => {});
	}
	return userId ? `${userId.slice(0, 8)}…` : "";
}

/** Only http(s) and same-origin URLs reach src/href attributes. */
export function safeUrl(u: string): string {
	try {
		const url = new URL(u, location.origin);
		return url.protocol === "http:" || url.protocol === "https:" ? url.toString() : "";
	} catch {
		return "";
	}
}

/**
 * Sends through the live channel's outbox. Until the ack the message shows as "sending"
 * (it survives reconnects); a refusal stays visible with the server's reason.
 */
export async function sendMessage(payload: Omit<SendPayload, "localId">, text: string): Promise<void> {
	if (!rt) throw new Error("Not connected; log in again.");
	const localId = crypto.randomUUID();
	store.set((s) => ({
		pending: { ...s.pending, [localId]: { conversationId: payload.conversationId, text, failed: "" } },
	}));
	try {
		await rt.send({ ...payload, localId });
		dropPending(localId);
	} catch (e) {
		store.set((s) => ({
			pending: { ...s.pending, [localId]: { ...s.pending[localId]!, failed: describeError(e) } },
		}));
	}
}

export function dropPending(localId: string) {
	store.set((s) => {
		const { [localId]: _, ...rest } = s.pending;
		return { pending: rest };
	});
}

/** Opens a conversation from anywhere (friend list, group page). */
export function openChat(conversationId: string) {
	store.set({ tab: "Chats", openConversation: conversationId });
}

let lastGroupLoad = 0;
export async function loadGroupNames() {
	lastGroupLoad = Date.now();
	try {
		const { groups } = await client.groups.list();
		store.set({ groupNames: Object.fromEntries(groups.filter((g) => !g.isDeleted).map((g) => [g.groupId, g.name])) });
	} catch {
		// The list views show their own errors; names fall back to IDs.
	}
}

export const conversationTitle = (id: string) => {
	const me = store.state.me?.userId ?? "";
	const peers = id.startsWith("p_") ? privatePeers(id) : null;
	if (peers) return personName(peers[0] === me ? peers[1] : peers[0]);
	const name = store.state.groupNames[id];
	if (name) return name;
	// A group that appeared since the last load (created, joined): look again, at most every few seconds.
	if (Date.now() - lastGroupLoad > 3000) void loadGroupNames();
	return `Group ${id.slice(0, 8)}…`;
};
