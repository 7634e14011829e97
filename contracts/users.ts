import { z } from "zod";
import { DeviceId, queryInt, UnixSeconds } from "./common";

/** Birthdays people can have: 1900-01-01 up to 2100-01-01 (Unix seconds at 00:00 UTC). */
export const BIRTHDAY_MIN = Date.UTC(1900, 0, 1) / 1000;
export const BIRTHDAY_MAX = Date.UTC(2100, 0, 1) / 1000;
const birthdayRange = "birthday must be between 1900-01-01 and 2100-01-01";

export const UserProfile = z.object({
	userId: z.string(),
	nickname: z.string(),
	avatar: z.string(),
	signature: z.string(),
	gender: z.number().int().describe("0 unknown, 1 male, 2 female"),
	region: z.string(),
	phone: z.string(),
	email: z.string(),
	birthday: z.number().int().describe("Unix seconds of the date at 00:00 UTC; negative before 1970; 0 when not set"),
	qrcodeUrl: z.string(),
	createdAt: UnixSeconds,
	updatedAt: UnixSeconds,
});

export const UpdateProfileRequest = z
	.object({
		nickname: z.string().trim(),
		avatar: z.string().max(500, "avatar must be at most 500 characters"),
		signature: z.string().max(200, "signature must be at most 200 characters"),
		gender: z
			.number()
			.int("gender must be 0, 1 or 2")
			.min(0, "gender must be 0, 1 or 2")
			.max(2, "gender must be 0, 1 or 2"),
		birthday: z.union(
			[
				z.iso.datetime({ offset: true, error: "birthday must be an RFC 3339 timestamp" }),
				z.iso.date({ error: "birthday must be a date" }),
				z.number().int("birthday must be an integer").min(BIRTHDAY_MIN, birthdayRange).max(BIRTHDAY_MAX, birthdayRange),
			],
			{ error: "birthday must be an RFC 3339 timestamp, a date (YYYY-MM-DD) or Unix seconds" },
		),
		region: z.string().max(100, "region must be at most 100 characters"),
	})
	.partial();

export const PublicUser = z.object({
	userId: z.string(),
	nickname: z.string(),
	avatar: z.string(),
	signature: z.string(),
	gender: z.number().int(),
	region: z.string(),
	isFriend: z.boolean(),
	isBlocked: z.boolean(),
});

export const UserSearchItem = z.object({
	userId: z.string(),
	nickname: z.string(),
	avatar: z.string(),
	signature: z.string(),
});

export const UserSearchQuery = z.object({
	keyword: z.string({ error: "keyword is required" }).trim().min(1, "keyword is required").max(100),
	page: queryInt("page", 1, 1_000_000).default(1),
	pageSize: queryInt("pageSize", 1, 100).default(20),
});

export const UserSearchResponse = z.object({ users: z.array(UserSearchItem), total: z.number().int() });

export const UserSettings = z.object({
	userId: z.string(),
	notificationEnabled: z.boolean(),
	soundEnabled: z.boolean(),
	vibrationEnabled: z.boolean(),
	messagePreviewEnabled: z.boolean(),
	friendVerifyRequired: z.boolean(),
	searchByPhone: z.boolean(),
	searchById: z.boolean(),
	language: z.string(),
});

export const UpdateSettingsRequest = UserSettings.omit({ userId: true })
	.extend({
		language: z.string().min(1, "language must not be empty").max(10, "language must be at most 10 characters"),
	})
	.partial();

export const QrcodeRefreshResponse = z.object({ qrcodeUrl: z.string(), expiresAt: UnixSeconds });
export const QrcodeQuery = z.object({
	qrcode: z.string({ error: "qrcode is required" }).min(1, "qrcode is required").max(200),
});

export const PushTokenRequest = z.object({
	deviceId: DeviceId,
	pushToken: z.string({ error: "pushToken is required" }).min(1, "pushToken is required").max(500),
	platform: z.string({ error: "platform is required" }).min(1, "platform is required").max(20),
});
