import type { Context, MiddlewareHandler } from "hono";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import type { AdminRole } from "../../contracts/admin";
import { type AdminRow, adminSession, anyAdminExists, insertAdminIfNew } from "../../db/admin";
import { isProduction } from "../../domain/config";
import type { Bindings } from "../../domain/env";
import { now } from "../../domain/time";
import { logLine } from "../../platform/log";
import { Codes, forbidden, unauthorized } from "../lib/errors";
import { hashPassword } from "../lib/password";
import { adminJwtKey } from "../lib/secrets";
import { withMeta } from "../lib/validate";

export interface AdminContext {
	adminId: string;
	username: string;
	role: AdminRole;
	jti: string;
	exp: number;
}

export interface AdminEnv {
	Bindings: Bindings;
	Variables: { admin: AdminContext };
}

export const ADMIN_TOKEN_TTL = 8 * 3600;
const AUDIENCE = "anychat-admin";
const TOKEN_TYPE = "admin";

export const BOOTSTRAP_USERNAME = "admin";

/**
 * Admin tokens: HS256 with ADMIN_JWT_SECRET (not the user key), audience `anychat-admin` and
 * `tokenType: "admin"`. A user token fails here on the key alone, and an admin token fails
 * user authentication the same way.
 */
export async function signAdminToken(env: Bindings, admin: Pick<AdminRow, "id" | "role">) {
	const iat = now();
	return new SignJWT({ tokenType: TOKEN_TYPE, role: admin.role })
		.setProtectedHeader({ alg: "HS256", typ: "JWT" })
		.setSubject(admin.id)
		.setAudience(AUDIENCE)
		.setJti(crypto.randomUUID())
		.setIssuedAt(iat)
		.setNotBefore(iat)
		.setExpirationTime(iat + ADMIN_TOKEN_TTL)
		.sign(await adminJwtKey(env));
}

async function verifyAdminToken(env: Bindings, token: string) {
	try {
		const { payload } = await jwtVerify(token, await adminJwtKey(env), { algorithms: ["HS256"], audience: AUDIENCE });
		if (payload.tokenType !== TOKEN_TYPE || typeof payload.sub !== "string" || typeof payload.jti !== "string") {
			throw unauthorized("not an admin token", Codes.AdminTokenInvalid);
		}
		return { adminId: payload.sub, jti: payload.jti, exp: payload.exp ?? 0 };
	} catch (e) {
		if (e instanceof joseErrors.JWTExpired) throw unauthorized("admin token has expired", Codes.AdminTokenInvalid);
		throw unauthorized("invalid admin token", Codes.AdminTokenInvalid);
	}
}

/**
 * Creates the first admin (`admin`, superadmin) when there is none, from
 * ADMIN_BOOTSTRAP_PASSWORD. The documented development password is supplied by the local
 * tooling (`npm start`, the tests), never by this code, so it cannot reach a deployed bundle;
 * a Worker without the setting creates nobody and says why in its log.
 */
export async function ensureBootstrapAdmin(env: Bindings): Promise<void> {
	if (await anyAdminExists(env)) return;
	const configured = env.ADMIN_BOOTSTRAP_PASSWORD;
	if (!configured) {
		logLine({
			level: "warn",
			event: "admin bootstrap",
			message: isProduction(env)
				? "admin bootstrap: no admin account exists and ADMIN_BOOTSTRAP_PASSWORD is not set; no admin was created (set ADMIN_BOOTSTRAP_PASSWORD as described in the README, Deploy)"
				: "admin bootstrap: no admin account exists and ADMIN_BOOTSTRAP_PASSWORD is not set; no admin was created (`npm start` supplies the documented development value; or set it in .dev.vars)",
		});
		return;
	}
	const t = now();
	const created = await insertAdminIfNew(env, {
		id: crypto.randomUUID(),
		username: BOOTSTRAP_USERNAME,
		passwordHash: await hashPassword(configured),
		email: "",
		role: "superadmin",
		status: 1,
		lastLoginAt: 0,
		createdAt: t,
		updatedAt: t,
	});
	if (created)
		logLine({
			level: "warn",
			event: "admin bootstrap",
			message: "created superadmin 'admin' from ADMIN_BOOTSTRAP_PASSWORD",
		});
}

/** Every admin route except login: a live admin token of an active admin account. */
export const requireAdmin: MiddlewareHandler<AdminEnv> = withMeta(
	async (c, next) => {
		const header = c.req.header("Authorization");
		if (!header) throw unauthorized("missing authorization header", Codes.AdminTokenInvalid);
		const match = /^Bearer (\S+)$/.exec(header);
		if (!match) throw unauthorized("invalid authorization header format", Codes.AdminTokenInvalid);
		const claims = await verifyAdminToken(c.env, match[1]!);
		const { account: admin, revoked } = await adminSession(c.env, claims.adminId, claims.jti);
		if (!admin || revoked) throw unauthorized("admin session has ended", Codes.AdminTokenInvalid);
		if (admin.status !== 1) throw forbidden("admin account is disabled", Codes.AdminDisabled);
		// The role is read from D1, not the token, so a role change applies at once.
		c.set("admin", { adminId: admin.id, username: admin.username, role: admin.role, jti: claims.jti, exp: claims.exp });
		await next();
	},
	{ auth: "admin" },
);

/** Role gate: superadmins manage admins and config, superadmins and admins write, operators read. */
export const requireRole =
	(...roles: AdminRole[]): MiddlewareHandler<AdminEnv> =>
	async (c, next) => {
		if (!roles.includes(c.var.admin.role)) {
			throw forbidden(`this action needs the role ${roles.join(" or ")}`, Codes.AdminPermission);
		}
		await next();
	};

/** Who does an admin write, for its audit entry: the admin, and the client's address. */
export interface Actor {
	adminId: string;
	ip: string;
}

export const clientIp = (c: Context) => c.req.header("CF-Connecting-IP") ?? "";

/** The admin of the request (behind requireAdmin) as the actor of a write. */
export const actorOf = (c: Context<AdminEnv>): Actor => ({ adminId: c.var.admin.adminId, ip: clientIp(c) });
