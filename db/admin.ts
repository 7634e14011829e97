import { and, desc, eq, getTableColumns, gte, lt, lte, or, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { AdminRole } from "../contracts/admin";
import type { Bindings } from "../domain/env";
import { adminRevokedTokens, adminUsers, auditLogs, loginFailures, users } from "../schema";
import { dbOf } from "./client";
import { countOf, fetchPage, type PageParams } from "./paging";

/**
 * The back office's queries: admin accounts, admin tokens ended by logout, the audit log, and
 * what the admin user management reads and writes of `users`.
 */

/** An admin account's row; `role` holds only ADMIN_ROLES. */
export type AdminRow = typeof adminUsers.$inferSelect & { role: AdminRole };
export type AuditEntry = Omit<typeof auditLogs.$inferInsert, "id">;

const only = <T>(v: unknown) => v as T | undefined;

// ---- admin accounts ------------------------------------------------------------------------

export async function anyAdminExists(env: Bindings): Promise<boolean> {
	return (await dbOf(env).select({ id: adminUsers.id }).from(adminUsers).limit(1).get()) !== undefined;
}

/** Inserts the account unless its username (or ID) is taken; false when it was. */
export async function insertAdminIfNew(env: Bindings, row: AdminRow): Promise<boolean> {
	const res = await dbOf(env).insert(adminUsers).values(row).onConflictDoNothing().run();
	return res.meta.changes > 0;
}

export const adminByUsername = async (env: Bindings, username: string) =>
	only<AdminRow>(await dbOf(env).select().from(adminUsers).where(eq(adminUsers.username, username)).get());

/** A successful login, in one batch: the account's failures are forgotten and `lastLoginAt` moves. */
export async function recordAdminLogin(env: Bindings, adminId: string, account: string, t: number): Promise<void> {
	const db = dbOf(env);
	await db.batch([
		db.delete(loginFailures).where(eq(loginFailures.account, account)),
		db.update(adminUsers).set({ lastLoginAt: t }).where(eq(adminUsers.id, adminId)),
	]);
}

/** Ends a token before its expiry and forgets revocations of tokens that expired anyway, in one batch. */
export async function revokeAdminToken(env: Bindings, jti: string, expiresAt: number, t: number): Promise<void> {
	const db = dbOf(env);
	await db.batch([
		db.insert(adminRevokedTokens).values({ jti, expiresAt }).onConflictDoNothing(),
		db.delete(adminRevokedTokens).where(lt(adminRevokedTokens.expiresAt, t)),
	]);
}

/** What an admin token stands for now: its account (undefined when gone) and whether logout ended it. */
export async function adminSession(env: Bindings, adminId: string, jti: string) {
	const db = dbOf(env);
	const [accounts, revoked] = await db.batch([
		db
			.select({ id: adminUsers.id, username: adminUsers.username, role: adminUsers.role, status: adminUsers.status })
			.from(adminUsers)
			.where(eq(adminUsers.id, adminId)),
		db.select({ jti: adminRevokedTokens.jti }).from(adminRevokedTokens).where(eq(adminRevokedTokens.jti, jti)),
	]);
	const account = only<Pick<AdminRow, "id" | "username" | "role" | "status">>(accounts[0]);
	return { account, revoked: revoked.length > 0 };
}

/** One page of the admin accounts, newest first, and their total. */
export async function adminsPage(env: Bindings, p: PageParams) {
	const db = dbOf(env);
	const rows = db.select().from(adminUsers).orderBy(desc(adminUsers.createdAt), desc(adminUsers.id));
	return (await fetchPage(db, rows, countOf(db, adminUsers), p)) as { rows: AdminRow[]; total: number };
}

/** Sets an account's status; the changed row, or undefined for an unknown account. */
export const setAdminStatus = async (env: Bindings, adminId: string, status: number, t: number) =>
	only<AdminRow>(
		await dbOf(env)
			.update(adminUsers)
			.set({ status, updatedAt: t })
			.where(eq(adminUsers.id, adminId))
			.returning()
			.get(),
	);

// ---- audit log -----------------------------------------------------------------------------

export async function insertAudit(env: Bindings, entry: AuditEntry): Promise<void> {
	await dbOf(env).insert(auditLogs).values(entry);
}

export interface AuditFilter {
	adminId?: string;
	action?: string;
	resourceType?: string;
	resourceId?: string;
	startTime?: number;
	endTime?: number;
}

/** An equality condition for a filter field that was given (an empty string is none). */
const given = (column: SQLiteColumn, v: string | undefined) =>
	v === undefined || v === "" ? undefined : eq(column, v);

/** One page of audit entries matching the filter, newest first, with the admin's username ("" when gone). */
export async function auditPage(env: Bindings, f: AuditFilter, p: PageParams) {
	const db = dbOf(env);
	const where = and(
		given(auditLogs.adminId, f.adminId),
		given(auditLogs.action, f.action),
		given(auditLogs.resourceType, f.resourceType),
		given(auditLogs.resourceId, f.resourceId),
		f.startTime === undefined ? undefined : gte(auditLogs.createdAt, f.startTime),
		f.endTime === undefined ? undefined : lte(auditLogs.createdAt, f.endTime),
	);
	const rows = db
		.select({ ...getTableColumns(auditLogs), username: adminUsers.username })
		.from(auditLogs)
		.leftJoin(adminUsers, eq(adminUsers.id, auditLogs.adminId))
		.where(where)
		.orderBy(desc(auditLogs.id));
	return fetchPage(db, rows, countOf(db, auditLogs, where), p);
}

// ---- users, as the back office sees them ---------------------------------------------------

const userColumns = {
	id: users.id,
	nickname: users.nickname,
	avatar: users.avatar,
	signature: users.signature,
	phone: users.phone,
	email: users.email,
	gender: users.gender,
	region: users.region,
	status: users.status,
	createdAt: users.createdAt,
};

/** `column LIKE %text%`, the text matched literally (drizzle's like() has no ESCAPE clause). */
const contains = (column: SQLiteColumn, text: string): SQL =>
	sql`${column} LIKE ${`%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`} ESCAPE '\\'`;

export const adminUserView = (env: Bindings, userId: string) =>
	dbOf(env).select(userColumns).from(users).where(eq(users.id, userId)).get();

export type AdminUserView = NonNullable<Awaited<ReturnType<typeof adminUserView>>>;

/** One page of users whose nickname, email or phone contains `keyword` (or whose ID is it), newest first. */
export async function adminUsersPage(env: Bindings, q: { keyword?: string; status?: number }, p: PageParams) {
	const db = dbOf(env);
	const where = and(
		q.keyword
			? or(
					contains(users.nickname, q.keyword),
					contains(users.email, q.keyword),
					contains(users.phone, q.keyword),
					eq(users.id, q.keyword),
				)
			: undefined,
		q.status ? eq(users.status, q.status) : undefined,
	);
	const rows = db.select(userColumns).from(users).where(where).orderBy(desc(users.createdAt), desc(users.id));
	return fetchPage(db, rows, countOf(db, users, where), p);
}

/** Sets a user's account status (1 normal, 2 banned). */
export async function setUserStatus(env: Bindings, userId: string, status: number, t: number): Promise<void> {
	await dbOf(env).update(users).set({ status, updatedAt: t }).where(eq(users.id, userId));
}
