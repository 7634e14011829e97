import { z } from "zod";
import { DeviceId, DeviceType } from "./common";

export const CHINA_MOBILE = /^1[3-9]\d{9}$/;
export const E164 = /^\+[1-9]\d{7,14}$/;
export const EMAIL = /^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$/;

export const PhoneNumber = z
	.string()
	.refine(
		(v) => CHINA_MOBILE.test(v) || E164.test(v),
		"phoneNumber must be a mainland-China mobile number or E.164 (+ and 8-15 digits)",
	)
	.meta({ examples: ["13800138000", "+447700900123"] });
export const Email = z
	.string()
	.max(100, "email must be at most 100 characters")
	.regex(EMAIL, "email is not a valid address")
	.meta({ examples: ["user@example.com"] });
/** Strength is checked by the handler so that a weak password gets its own business code (10103). */
export const Password = z.string({ error: "password is required" }).min(1, "password is required").max(1024);

/** The longest nickname the profile stores (users.md: `user_profiles.nickname` ≤ 50). */
export const MAX_STORED_NICKNAME = 50;

export const RegisterRequest = z.object({
	phoneNumber: PhoneNumber.optional(),
	email: Email.optional(),
	password: Password,
	verifyCode: z.string({ error: "verifyCode is required" }).min(1, "verifyCode is required").max(32),
	/**
	 * Not validated beyond the stored limit (auth.md): the 1–20 characters, reserved words and
	 * uniqueness rules belong to `PUT /users/me`, so a script may register the same name twice.
	 */
	nickname: z
		.string({ error: "nickname must be a string" })
		.refine((v) => [...v].length <= MAX_STORED_NICKNAME, `nickname must be at most ${MAX_STORED_NICKNAME} characters`)
		.optional()
		.describe(
			`at most ${MAX_STORED_NICKNAME} characters, not checked for uniqueness; default \`User_\` + 8 characters`,
		),
	deviceType: DeviceType,
	deviceId: DeviceId,
	clientVersion: z.string({ error: "clientVersion is required" }).min(1, "clientVersion is required").max(50),
});

export const LoginRequest = z.object({
	account: z.string({ error: "account is required" }).min(1, "account is required").max(100),
	password: Password,
	deviceType: DeviceType,
	deviceId: DeviceId,
	clientVersion: z.string({ error: "clientVersion is required" }).min(1, "clientVersion is required").max(50),
});

export const RefreshRequest = z.object({
	refreshToken: z.string({ error: "refreshToken is required" }).min(1, "refreshToken is required").max(4096),
});

export const LogoutRequest = z.object({ deviceId: DeviceId });

export const ChangePasswordRequest = z.object({
	oldPassword: Password,
	newPassword: Password,
});

export const LoginUser = z.object({
	userId: z.string(),
	nickname: z.string(),
	avatar: z.string(),
	phone: z.string(),
	email: z.string(),
});

export const TokenPair = z.object({
	accessToken: z.string(),
	refreshToken: z.string(),
	expiresIn: z.number().int().describe("access token lifetime in seconds"),
});

export const AuthResponse = TokenPair.extend({ userId: z.string(), user: LoginUser });
