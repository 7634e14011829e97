import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * Business codes of the contract (spec README §8). On the wire `code` is the business code
 * when one applies, otherwise the HTTP status itself (WIRE-PROFILE §1).
 */
export const Codes = {
	UserExists: 10101,
	PasswordWeak: 10103,
	UserNotFound: 10104,
	PasswordError: 10105,
	AccountDisabled: 10106,
	RefreshTokenInvalid: 10107,
	RefreshTokenExpired: 10108,
	TokenInvalid: 10109,
	TokenExpired: 10110,
	AdminNotFound: 12101,
	AdminDisabled: 12102,
	AdminUsernameExists: 12103,
	AdminInvalidPassword: 12104,
	AdminTokenInvalid: 12105,
	AdminPermission: 12106,
	ConfigKeyNotFound: 12107,
	NicknameUsed: 20101,
	NicknameSensitive: 20102,
	UserProfileNotFound: 20103,
	QRCodeExpired: 20104,
	QRCodeInvalid: 20105,
	AlreadyFriend: 30101,
	FriendRequestNotFound: 30105,
	CannotAddSelf: 30106,
	FriendRequestProcessed: 30107,
	AlreadyInBlacklist: 30112,
	NotInBlacklist: 30113,
	UserBlocked: 30114,
	FriendRequestExists: 30115,
	FriendPermissionDenied: 30116,
	NotFriend: 30117,
	GroupNotFound: 40101,
	GroupMemberLimitReached: 40104,
	NotGroupMember: 40105,
	AlreadyGroupMember: 40106,
	NoOwnerPermission: 40107,
	NoAdminPermission: 40108,
	CannotRemoveOwner: 40109,
	CannotRemoveAdmin: 40110,
	JoinRequestNotFound: 40113,
	JoinRequestProcessed: 40114,
	CannotQuitOwnGroup: 40116,
	FileNotFound: 70101,
	FileSizeExceeded: 70103,
	FileTypeNotAllowed: 70104,
	FileUploadFailed: 70105,
	InvalidFileId: 70107,
	FileExpired: 70108,
	CallNotFound: 90101,
	CallAlreadyActive: 90102,
	CallPermissionDenied: 90103,
	CallInvalidStatus: 90104,
	MeetingNotFound: 90105,
	MeetingPasswordWrong: 90106,
	MeetingAlreadyEnded: 90107,
	MeetingPermission: 90108,
	LiveKitTokenFailed: 90109,
} as const;

/** Every failure a handler raises. `onError` turns it into the envelope. */
export class ApiError extends Error {
	constructor(
		readonly status: ContentfulStatusCode,
		readonly code: number,
		message: string,
		readonly headers: Record<string, string> = {},
	) {
		super(message);
	}
}

export const badRequest = (message: string, code = 400) => new ApiError(400, code, message);
export const unauthorized = (message = "authentication required", code = 401) => new ApiError(401, code, message);
export const forbidden = (message = "forbidden", code = 403) => new ApiError(403, code, message);
export const notFound = (message = "not found", code = 404) => new ApiError(404, code, message);
export const conflict = (message: string, code = 409) => new ApiError(409, code, message);
export const tooManyRequests = (message: string, retryAfterSeconds: number, code = 429) =>
	new ApiError(429, code, message, { "Retry-After": String(Math.max(1, Math.ceil(retryAfterSeconds))) });
export const methodNotAllowed = (message: string, allow: string[]) =>
	new ApiError(405, 405, message, { Allow: allow.join(", ") });
