import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * One row per direction. Deleting a friendship keeps the rows with `deletedAt` set (a
 * tombstone for incremental sync); re-adding clears it. `updatedAt` moves on every change.
 */
export const friendships = sqliteTable(
	"friendships",
	{
		userId: text("user_id").notNull(),
		friendId: text("friend_id").notNull(),
		remark: text("remark").notNull().default(""),
		createdAt: integer("created_at").notNull(),
		updatedAt: integer("updated_at").notNull(),
		deletedAt: integer("deleted_at"),
	},
	(t) => [
		primaryKey({ columns: [t.userId, t.friendId] }),
		index("friendships_user_updated_idx").on(t.userId, t.updatedAt),
	],
);

export const friendRequests = sqliteTable(
	"friend_requests",
	{
		id: integer("id").primaryKey({ autoIncrement: true }),
		fromUserId: text("from_user_id").notNull(),
		toUserId: text("to_user_id").notNull(),
		message: text("message").notNull().default(""),
		source: text("source").notNull().default("search"),
		status: text("status").notNull().default("pending"),
		createdAt: integer("created_at").notNull(),
		updatedAt: integer("updated_at").notNull(),
	},
	(t) => [
		index("friend_requests_to_idx").on(t.toUserId, t.status),
		index("friend_requests_from_idx").on(t.fromUserId, t.status),
	],
);

/** Blocking is stored one way (who blocked whom) and enforced both ways. */
export const blacklist = sqliteTable(
	"blacklist",
	{
		userId: text("user_id").notNull(),
		blockedUserId: text("blocked_user_id").notNull(),
		createdAt: integer("created_at").notNull(),
	},
	(t) => [primaryKey({ columns: [t.userId, t.blockedUserId] }), index("blacklist_blocked_idx").on(t.blockedUserId)],
);

/** `status`: 1 active, 0 dissolved (kept as a tombstone for sync). */
export const groups = sqliteTable(
	"groups",
	{
		id: text("id").primaryKey(),
		name: text("name").notNull(),
		avatar: text("avatar").notNull().default(""),
		announcement: text("announcement").notNull().default(""),
		ownerId: text("owner_id").notNull(),
		memberCount: integer("member_count").notNull().default(0),
		maxMembers: integer("max_members").notNull().default(500),
		joinVerify: integer("join_verify", { mode: "boolean" }).notNull().default(false),
		allowMemberInvite: integer("allow_member_invite", { mode: "boolean" }).notNull().default(true),
		isMuted: integer("is_muted", { mode: "boolean" }).notNull().default(false),
		status: integer("status").notNull().default(1),
		createdAt: integer("created_at").notNull(),
		updatedAt: integer("updated_at").notNull(),
	},
	(t) => [index("groups_updated_idx").on(t.updatedAt)],
);

/** Leaving or removal keeps the row with `leftAt` set (tombstone); rejoining clears it. */
export const groupMembers = sqliteTable(
	"group_members",
	{
		groupId: text("group_id").notNull(),
		userId: text("user_id").notNull(),
		role: text("role").notNull().default("member"),
		groupNickname: text("group_nickname").notNull().default(""),
		isMuted: integer("is_muted", { mode: "boolean" }).notNull().default(false),
		joinedAt: integer("joined_at").notNull(),
		updatedAt: integer("updated_at").notNull(),
		leftAt: integer("left_at"),
	},
	(t) => [primaryKey({ columns: [t.groupId, t.userId] }), index("group_members_user_idx").on(t.userId, t.updatedAt)],
);

export const groupJoinRequests = sqliteTable(
	"group_join_requests",
	{
		id: integer("id").primaryKey({ autoIncrement: true }),
		groupId: text("group_id").notNull(),
		userId: text("user_id").notNull(),
		inviterId: text("inviter_id").notNull().default(""),
		message: text("message").notNull().default(""),
		status: text("status").notNull().default("pending"),
		createdAt: integer("created_at").notNull(),
		updatedAt: integer("updated_at").notNull(),
	},
	(t) => [index("group_join_requests_group_idx").on(t.groupId, t.status)],
);
