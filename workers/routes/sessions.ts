import { Hono } from "hono";
import { z } from "zod";
import { HistoryQuery, HistoryResponse } from "../../contracts/messages";
import {
	MuteRequest,
	PinRequest,
	ReadRequest,
	ReadResponse,
	Session,
	SessionIdParam,
	SessionList,
	SessionListQuery,
	UnreadTotal,
} from "../../contracts/sessions";
import { ok } from "../../domain/envelope";
import { conversationFor, hubFor } from "../../platform/stubs";
import type { AppEnv } from "../env";
import { requireUser } from "../lib/auth";
import { notFound } from "../lib/errors";
import { doc, validate } from "../lib/validate";
import { apiErrorOf } from "../services/messaging";

/** A user's conversation list, held by their UserHub; session ID = conversation ID. */
export const sessions = new Hono<AppEnv>();

const SessionNotFound = 60101;
const missing = () => notFound("session not found", SessionNotFound);

sessions.get(
	"/",
	requireUser,
	doc({
		summary: "My sessions: pinned first, then by last message time; page back with updatedBefore",
		tags: ["sessions"],
		response: SessionList,
	}),
	validate("query", SessionListQuery),
	async (c) => {
		const q = c.req.valid("query");
		return ok(c, await hubFor(c.env, c.var.auth.userId).listSessions(q.limit, q.updatedBefore));
	},
);

sessions.get(
	"/unread/total",
	requireUser,
	doc({ summary: "Total unread over sessions that are not muted", tags: ["sessions"], response: UnreadTotal }),
	async (c) => ok(c, { totalUnread: await hubFor(c.env, c.var.auth.userId).totalUnread() }),
);

sessions.get(
	"/:sessionId",
	requireUser,
	doc({ summary: "One of my sessions", tags: ["sessions"], response: Session }),
	validate("param", SessionIdParam),
	async (c) => {
		const session = await hubFor(c.env, c.var.auth.userId).getSession(c.req.valid("param").sessionId);
		if (!session) throw missing();
		return ok(c, session);
	},
);

sessions.delete(
	"/:sessionId",
	requireUser,
	doc({
		summary: "Remove a session from my list (it comes back with the next message); marks it read",
		tags: ["sessions"],
		response: z.null(),
	}),
	validate("param", SessionIdParam),
	async (c) => {
		const { sessionId } = c.req.valid("param");
		const me = c.var.auth;
		const hub = hubFor(c.env, me.userId);
		if (await hub.getSession(sessionId)) {
			// Deleting reads it: a session that comes back starts with only the new messages unread.
			await conversationFor(c.env, sessionId).markRead(sessionId, me.userId, me.deviceId, undefined);
		}
		await hub.deleteSession(sessionId, me.deviceId);
		return ok(c);
	},
);

sessions.put(
	"/:sessionId/pin",
	requireUser,
	doc({
		summary: "Pin or unpin a session; my other devices get session.pin_updated",
		tags: ["sessions"],
		response: Session,
	}),
	validate("param", SessionIdParam),
	validate("json", PinRequest),
	async (c) => {
		const me = c.var.auth;
		const s = await hubFor(c.env, me.userId).setPinned(
			c.req.valid("param").sessionId,
			c.req.valid("json").pinned,
			me.deviceId,
		);
		if (!s) throw missing();
		return ok(c, s);
	},
);

sessions.put(
	"/:sessionId/mute",
	requireUser,
	doc({
		summary: "Mute a session (no push, not in the total unread); my other devices get session.mute_updated",
		tags: ["sessions"],
		response: Session,
	}),
	validate("param", SessionIdParam),
	validate("json", MuteRequest),
	async (c) => {
		const me = c.var.auth;
		const s = await hubFor(c.env, me.userId).setMuted(
			c.req.valid("param").sessionId,
			c.req.valid("json").muted,
			me.deviceId,
		);
		if (!s) throw missing();
		return ok(c, s);
	},
);

sessions.post(
	"/:sessionId/read",
	requireUser,
	doc({
		summary: "Mark read up to lastReadSeq (default: everything); others get message.read_receipt",
		tags: ["sessions"],
		response: ReadResponse,
	}),
	validate("param", SessionIdParam),
	validate("json", ReadRequest, { optional: true }),
	async (c) => {
		const { sessionId } = c.req.valid("param");
		const me = c.var.auth;
		const res = await conversationFor(c.env, sessionId).markRead(
			sessionId,
			me.userId,
			me.deviceId,
			c.req.valid("json").lastReadSeq,
		);
		if (!res.ok) throw apiErrorOf(res);
		return ok(c, {
			sessionId,
			lastReadSeq: res.lastReadSeq,
			unreadCount: res.unreadCount,
			totalUnread: res.totalUnread,
		});
	},
);

sessions.get(
	"/:sessionId/messages",
	requireUser,
	doc({
		summary: "Message history: newest first below `before` (default the latest), or ascending after `after`",
		tags: ["sessions", "messages"],
		response: HistoryResponse,
	}),
	validate("param", SessionIdParam),
	validate("query", HistoryQuery),
	async (c) => {
		const { sessionId } = c.req.valid("param");
		const res = await conversationFor(c.env, sessionId).history(sessionId, c.var.auth.userId, c.req.valid("query"));
		if (!res.ok) throw apiErrorOf(res);
		return ok(c, { list: res.list, hasMore: res.hasMore });
	},
);
