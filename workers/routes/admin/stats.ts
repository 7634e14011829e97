import { Hono } from "hono";
import { AuditLogList, AuditLogQuery, StatsOverview } from "../../../contracts/admin";
import { ok } from "../../../domain/envelope";
import { doc, validate } from "../../lib/validate";
import { type AdminEnv, requireAdmin } from "../../services/admin-auth";
import { listAuditLogs } from "../../services/audit";
import { statsOverview } from "../../services/stats";
import { tags } from "./shared";

/** `/stats` and `/audit-logs`: the overview counts, and the audit log of admin writes. */
export const stats = new Hono<AdminEnv>();

stats.get(
	"/stats/overview",
	requireAdmin,
	doc({
		summary: "Counts: users, banned users, active users (7 days), groups, messages today and in total, online users",
		description:
			"Online users are asked of the UserHub objects of users holding a live session (see onlineUsersExact). Messages come from the daily counter the Conversation objects flush in batches (30–45 s after a conversation's first unflushed message).",
		tags,
		response: StatsOverview,
	}),
	async (c) => ok(c, await statsOverview(c.env)),
);

stats.get(
	"/audit-logs",
	requireAdmin,
	doc({
		summary: "Audit log of admin writes, newest first; filter by admin, action, resource and time (Unix seconds)",
		tags,
		response: AuditLogList,
	}),
	validate("query", AuditLogQuery),
	async (c) => ok(c, await listAuditLogs(c.env, c.req.valid("query"))),
);
