import { Hono } from "hono";
import {
	AuthResponse,
	ChangePasswordRequest,
	LoginRequest,
	LogoutRequest,
	RefreshRequest,
	RegisterRequest,
	TokenPair,
} from "../../contracts/auth";
import { ok } from "../../domain/envelope";
import type { AppEnv } from "../env";
import { requireUser, verifyToken } from "../lib/auth";
import { doc, validate } from "../lib/validate";
import { changePassword, login, refresh, refreshTokenError, register } from "../services/accounts";
import { endSessions } from "../services/sessions-auth";

export const auth = new Hono<AppEnv>();

auth.post(
	"/register",
	doc({ summary: "Register an account and log in the device", tags: ["auth"], response: AuthResponse }),
	validate("json", RegisterRequest),
	async (c) => ok(c, await register(c.env, c.req.valid("json"))),
);

auth.post(
	"/login",
	doc({ summary: "Log in with phone or email; throttled per account", tags: ["auth"], response: AuthResponse }),
	validate("json", LoginRequest),
	async (c) => ok(c, await login(c.env, c.req.valid("json"))),
);

auth.post(
	"/refresh",
	doc({
		summary: "Rotate the token pair; a reused refresh token ends the device session",
		tags: ["auth"],
		response: TokenPair,
	}),
	validate("json", RefreshRequest),
	async (c) => {
		const claims = await verifyToken(c.env, c.req.valid("json").refreshToken, "refresh").catch(refreshTokenError);
		return ok(c, await refresh(c.env, claims));
	},
);

auth.post(
	"/logout",
	requireUser,
	doc({ summary: "End a device's session (its tokens stop working at once)", tags: ["auth"] }),
	validate("json", LogoutRequest),
	async (c) => {
		await endSessions(c.env, c.var.auth.userId, { deviceIds: [c.req.valid("json").deviceId] }, "logout");
		return ok(c);
	},
);

auth.post(
	"/password/change",
	requireUser,
	doc({ summary: "Change the password; every other device's session ends", tags: ["auth"] }),
	validate("json", ChangePasswordRequest),
	async (c) => {
		const { oldPassword, newPassword } = c.req.valid("json");
		await changePassword(c.env, c.var.auth, oldPassword, newPassword);
		return ok(c);
	},
);
