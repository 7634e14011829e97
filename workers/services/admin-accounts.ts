import type { z } from "zod";
import type { CreateAdminRequest } from "../../contracts/admin";
import {
	type AdminRow,
	adminByUsername,
	adminsPage,
	insertAdminIfNew,
	recordAdminLogin,
	revokeAdminToken,
	setAdminStatus,
} from "../../db/admin";
import type { PageParams } from "../../db/paging";
import type { Bindings } from "../../domain/env";
import { now } from "../../domain/time";
import { badRequest, Codes, conflict, forbidden, notFound, unauthorized } from "../lib/errors";
import { pageOut } from "../lib/paging";
import { hashPassword, isStrongPassword, verifyPassword } from "../lib/password";
import { type Actor, ADMIN_TOKEN_TTL, type AdminContext, signAdminToken } from "./admin-auth";
import { audit } from "./audit";
import { checkLoginThrottle, recordLoginFailure } from "./login-throttle";

/** Back-office accounts: login and logout, and what superadmins do to accounts. */

const adminOut = (a: AdminRow) => ({
	adminId: a.id,
	username: a.username,
	email: a.email,
	role: a.role,
	status: a.status,
	lastLoginAt: a.lastLoginAt,
	createdAt: a.createdAt,
});

/** Password login, throttled per username like user logins; an admin token (8 h) for an active account. */
export async function adminLogin(env: Bindings, ip: string, username: string, password: string) {
	const account = `admin:${username}`;
	await checkLoginThrottle(env, account);
	const row = await adminByUsername(env, username);
	if (!row || !(await verifyPassword(password, row.passwordHash))) {
		await recordLoginFailure(env, account);
		throw unauthorized("invalid username or password", Codes.AdminInvalidPassword);
	}
	if (row.status !== 1) throw forbidden("admin account is disabled", Codes.AdminDisabled);
	await recordAdminLogin(env, row.id, account, now());
	const token = await signAdminToken(env, row);
	await audit(env, { adminId: row.id, ip }, { action: "auth.login", resourceType: "admin_user", resourceId: row.id });
	return { token, expiresIn: ADMIN_TOKEN_TTL, adminId: row.id, username: row.username, role: row.role };
}

/** Ends the request's admin token at once. */
export async function adminLogout(env: Bindings, actor: Actor, token: Pick<AdminContext, "jti" | "exp">) {
	await revokeAdminToken(env, token.jti, token.exp, now());
	await audit(env, actor, { action: "auth.logout", resourceType: "admin_user", resourceId: actor.adminId });
}

/** The admin accounts, newest first, as a wire page. */
export async function listAdmins(env: Bindings, p: PageParams) {
	const { rows, total } = await adminsPage(env, p);
	return pageOut(rows.map(adminOut), total, p);
}

export async function createAdmin(env: Bindings, actor: Actor, body: z.infer<typeof CreateAdminRequest>) {
	if (!isStrongPassword(body.password)) {
		throw badRequest("password must be 8-32 bytes with at least one letter and one digit", Codes.PasswordWeak);
	}
	const t = now();
	const row: AdminRow = {
		id: crypto.randomUUID(),
		username: body.username,
		passwordHash: await hashPassword(body.password),
		email: body.email ?? "",
		role: body.role ?? "admin",
		status: 1,
		lastLoginAt: 0,
		createdAt: t,
		updatedAt: t,
	};
	if (!(await insertAdminIfNew(env, row))) throw conflict("admin username is already taken", Codes.AdminUsernameExists);
	await audit(env, actor, {
		action: "admin.create",
		resourceType: "admin_user",
		resourceId: row.id,
		details: { username: row.username, role: row.role },
	});
	return adminOut(row);
}

/** Enables or disables another account; a disabled admin's tokens stop working at once (requireAdmin reads the status). */
export async function changeAdminStatus(env: Bindings, actor: Actor, adminId: string, status: 0 | 1) {
	if (adminId === actor.adminId) throw badRequest("you cannot change your own status");
	const row = await setAdminStatus(env, adminId, status, now());
	if (!row) throw notFound("admin not found", Codes.AdminNotFound);
	await audit(env, actor, {
		action: "admin.status",
		resourceType: "admin_user",
		resourceId: adminId,
		details: { status },
	});
	return adminOut(row);
}
