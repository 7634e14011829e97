import { Hono } from "hono";
import { z } from "zod";
import { IdParam } from "../../contracts/common";
import {
	PublicUser,
	PushTokenRequest,
	QrcodeQuery,
	QrcodeRefreshResponse,
	UpdateProfileRequest,
	UpdateSettingsRequest,
	UserProfile,
	UserSearchItem,
	UserSearchQuery,
	UserSearchResponse,
	UserSettings,
} from "../../contracts/users";
import { ok } from "../../domain/envelope";
import { notify } from "../../platform/notify";
import type { AppEnv } from "../env";
import { requireUser } from "../lib/auth";
import { Codes, notFound } from "../lib/errors";
import { doc, validate } from "../lib/validate";
import { notifyFriendsOfProfileChange, relationFlags } from "../services/friends";
import {
	changeProfile,
	changeSettings,
	getUserRow,
	publicProfileOf,
	refreshQrcode,
	registerPushToken,
	searchPublicUsers,
	settingsFor,
	userByQrcode,
	userRowToProfile,
} from "../services/users";

export const users = new Hono<AppEnv>();

users.get("/me", requireUser, doc({ summary: "My profile", tags: ["users"], response: UserProfile }), async (c) => {
	const row = await getUserRow(c.env, c.var.auth.userId);
	if (!row) throw notFound("user not found", Codes.UserProfileNotFound);
	return ok(c, userRowToProfile(row));
});

users.put(
	"/me",
	requireUser,
	doc({
		summary: "Update my profile (partial); other devices get user.profile_updated",
		tags: ["users"],
		response: UserProfile,
	}),
	validate("json", UpdateProfileRequest),
	async (c) => {
		const me = c.var.auth;
		const { row, changed } = await changeProfile(c.env, me.userId, c.req.valid("json"));
		if (changed) {
			const data = publicProfileOf(row);
			await notify(c.env, [me.userId], "user.profile_updated", data, { excludeDevice: me.deviceId });
			await notifyFriendsOfProfileChange(c.env, { ...data, updatedAt: row.updatedAt });
		}
		return ok(c, userRowToProfile(row));
	},
);

users.get(
	"/me/settings",
	requireUser,
	doc({ summary: "My settings", tags: ["users"], response: UserSettings }),
	async (c) => {
		return ok(c, await settingsFor(c.env, c.var.auth.userId));
	},
);

users.put(
	"/me/settings",
	requireUser,
	doc({ summary: "Update my settings (partial)", tags: ["users"], response: UserSettings }),
	validate("json", UpdateSettingsRequest),
	async (c) => {
		return ok(c, await changeSettings(c.env, c.var.auth.userId, c.req.valid("json")));
	},
);

users.post(
	"/me/qrcode/refresh",
	requireUser,
	doc({ summary: "Issue a new personal QR code (valid 24 h)", tags: ["users"], response: QrcodeRefreshResponse }),
	async (c) => {
		return ok(c, await refreshQrcode(c.env, c.var.auth.userId));
	},
);

users.get(
	"/qrcode",
	requireUser,
	doc({ summary: "Look up a user by QR code token", tags: ["users"], response: UserSearchItem }),
	validate("query", QrcodeQuery),
	async (c) => {
		return ok(c, await userByQrcode(c.env, c.req.valid("query").qrcode));
	},
);

users.get(
	"/search",
	requireUser,
	doc({
		summary: "Search users: nickname substring, exact phone (if the user allows) or exact user ID (if allowed)",
		tags: ["users"],
		response: UserSearchResponse,
	}),
	validate("query", UserSearchQuery),
	async (c) => {
		return ok(c, await searchPublicUsers(c.env, c.req.valid("query")));
	},
);

users.post(
	"/me/push-token",
	requireUser,
	doc({ summary: "Register or replace the push token of a device", tags: ["users"] }),
	validate("json", PushTokenRequest),
	async (c) => {
		await registerPushToken(c.env, c.var.auth.userId, c.req.valid("json"));
		return ok(c);
	},
);

users.get(
	"/:userId",
	requireUser,
	doc({ summary: "Another user's public profile with relation flags", tags: ["users"], response: PublicUser }),
	validate("param", z.object({ userId: IdParam("userId") })),
	async (c) => {
		const { userId } = c.req.valid("param");
		const row = await getUserRow(c.env, userId);
		if (!row) throw notFound("user not found", Codes.UserProfileNotFound);
		const flags = await relationFlags(c.env, c.var.auth.userId, userId);
		return ok(c, { ...publicProfileOf(row), ...flags });
	},
);
