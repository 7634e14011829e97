import { z } from "zod";
import { IdParam, queryInt, UnixSeconds } from "./common";
import { UserInfo } from "./friends";

export const GroupRole = z.enum(["owner", "admin", "member"]);

/** `myRole` is the caller's role, "" when the caller is not a member. */
export const Group = z.object({
	groupId: z.string(),
	name: z.string(),
	avatar: z.string(),
	announcement: z.string(),
	ownerId: z.string(),
	memberCount: z.number().int(),
	maxMembers: z.number().int(),
	myRole: z.union([GroupRole, z.literal("")]),
	joinVerify: z.boolean(),
	allowMemberInvite: z.boolean(),
	isMuted: z.boolean(),
	createdAt: UnixSeconds,
	updatedAt: UnixSeconds,
});

/** A group in the caller's list; `isDeleted` marks a group the caller left or that was dissolved (incremental lists only). */
export const GroupListItem = Group.extend({ isDeleted: z.boolean() });

const url = z.union([
	z.literal(""),
	z.url({ error: "avatar must be a URL" }).max(255, "avatar must be at most 255 characters"),
]);
const name = z.string().trim().min(1, "name must be 1-100 characters").max(100, "name must be 1-100 characters");

export const CreateGroupRequest = z.object({
	name,
	avatar: url.default(""),
	memberIds: z
		.array(IdParam("memberIds[]"), { error: "memberIds must be an array of user IDs" })
		.min(1, "memberIds must contain at least one user ID")
		.max(10_000)
		.meta({ examples: [["4f2c8a9e-1b3d-4e5f-8a7b-9c0d1e2f3a4b"]] }),
	joinVerify: z.boolean().default(false),
	allowMemberInvite: z.boolean().default(true),
});

export const GroupListQuery = z.object({
	lastUpdateTime: queryInt("lastUpdateTime", 0, Number.MAX_SAFE_INTEGER).default(0),
});
export const GroupList = z.object({
	groups: z.array(GroupListItem),
	total: z.number().int(),
	updateTime: UnixSeconds.describe("server time; send it as lastUpdateTime next time"),
});

export const GroupIdParam = z.object({ id: IdParam("id") });
export const GroupMemberParam = z.object({ id: IdParam("id"), userId: IdParam("userId") });
export const GroupRequestParam = z.object({
	id: IdParam("id"),
	requestId: z.coerce
		.number({ error: "requestId must be an integer" })
		.int("requestId must be an integer")
		.positive("requestId must be an integer"),
});

export const UpdateGroupRequest = z
	.object({
		name,
		avatar: url,
		announcement: z.string().max(1000, "announcement must be at most 1000 characters"),
		joinVerify: z.boolean(),
		allowMemberInvite: z.boolean(),
	})
	.partial();

export const GroupMember = z.object({
	userId: z.string(),
	groupNickname: z.string(),
	role: GroupRole,
	isMuted: z.boolean(),
	joinedAt: UnixSeconds,
	userInfo: UserInfo,
});
export const MemberListQuery = z.object({
	page: queryInt("page", 1, 1_000_000).default(1),
	pageSize: queryInt("pageSize", 1, 100).default(20),
});
export const MemberList = z.object({ members: z.array(GroupMember), total: z.number().int(), page: z.number().int() });

export const InviteRequest = z.object({
	userIds: z
		.array(IdParam("userIds[]"), { error: "userIds must be an array of user IDs" })
		.min(1, "userIds must contain at least one user ID")
		.meta({ examples: [["4f2c8a9e-1b3d-4e5f-8a7b-9c0d1e2f3a4b"]] })
		.max(10_000),
});
export const InviteResponse = z.object({
	added: z.array(z.string()).describe("users who are now members"),
	pending: z.array(z.string()).describe("users with a pending join request (joinVerify groups)"),
});

export const SetRoleRequest = z.object({
	role: z.enum(["admin", "member"], { error: "role must be admin or member" }),
});
export const NicknameRequest = z.object({
	nickname: z.string({ error: "nickname is required" }).max(50, "nickname must be at most 50 characters"),
});
export const TransferRequest = z.object({ newOwnerId: IdParam("newOwnerId") });
export const JoinRequest = z.object({
	message: z.string().max(200, "message must be at most 200 characters").default(""),
});
export const JoinResponse = z.object({
	needVerify: z.boolean(),
	requestId: z.number().int().describe("0 when the caller joined at once"),
	message: z.string(),
});

export const JoinRequestStatus = z.enum(["pending", "accepted", "rejected"]);
export const GroupJoinRequest = z.object({
	id: z.number().int(),
	groupId: z.string(),
	userId: z.string(),
	inviterId: z.string().describe('"" when the user applied'),
	message: z.string(),
	status: JoinRequestStatus,
	createdAt: UnixSeconds,
	userInfo: UserInfo,
});
export const JoinRequestListQuery = z.object({ status: JoinRequestStatus.optional() });
export const JoinRequestList = z.object({ requests: z.array(GroupJoinRequest), total: z.number().int() });
export const HandleJoinRequest = z.object({ accept: z.boolean().default(false) });

export const MuteRequest = z.object({ muted: z.boolean({ error: "muted must be a boolean" }) });
