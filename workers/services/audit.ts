import { type AuditFilter, auditPage, insertAudit } from "../../db/admin";
import type { PageParams } from "../../db/paging";
import type { Bindings } from "../../domain/env";
import { now } from "../../domain/time";
import { pageOut } from "../lib/paging";
import type { Actor } from "./admin-auth";

/** One audit entry per admin write: who, what, which resource, when, from where. */
export async function audit(
	env: Bindings,
	actor: Actor,
	entry: { action: string; resourceType: string; resourceId: string; details?: object },
): Promise<void> {
	await insertAudit(env, {
		adminId: actor.adminId,
		action: entry.action,
		resourceType: entry.resourceType,
		resourceId: entry.resourceId,
		details: JSON.stringify(entry.details ?? {}),
		ipAddress: actor.ip,
		createdAt: now(),
	});
}

/** The audit log, newest first, filtered, as a wire page. */
export async function listAuditLogs(env: Bindings, q: AuditFilter & PageParams) {
	const p = { page: q.page, pageSize: q.pageSize };
	const { rows, total } = await auditPage(env, q, p);
	const list = rows.map((r) => ({
		id: r.id,
		adminId: r.adminId,
		adminUsername: r.username ?? "",
		action: r.action,
		resourceType: r.resourceType,
		resourceId: r.resourceId,
		details: JSON.parse(r.details) as Record<string, unknown>,
		ipAddress: r.ipAddress,
		createdAt: r.createdAt,
	}));
	return pageOut(list, total, p);
}
