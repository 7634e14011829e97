import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** One-to-one calls. `status`: ringing, connected, ended, rejected, missed, cancelled. */
export const calls = sqliteTable(
	"calls",
	{
		id: text("id").primaryKey(),
		callerId: text("caller_id").notNull(),
		calleeId: text("callee_id").notNull(),
		callType: text("call_type").notNull(),
		status: text("status").notNull(),
		roomName: text("room_name").notNull(),
		createdAt: integer("created_at").notNull(),
		connectedAt: integer("connected_at").notNull().default(0),
		endedAt: integer("ended_at").notNull().default(0),
		duration: integer("duration").notNull().default(0),
	},
	(t) => [
		index("calls_caller_idx").on(t.callerId, t.createdAt),
		index("calls_callee_idx").on(t.calleeId, t.createdAt),
		index("calls_status_idx").on(t.status),
	],
);

/** Meeting rooms. `status`: active or ended. `passwordHash` is "" when the room is open. */
export const meetings = sqliteTable(
	"meetings",
	{
		id: text("id").primaryKey(),
		creatorId: text("creator_id").notNull(),
		title: text("title").notNull(),
		roomName: text("room_name").notNull(),
		passwordHash: text("password_hash").notNull().default(""),
		maxParticipants: integer("max_participants").notNull().default(0),
		status: text("status").notNull().default("active"),
		createdAt: integer("created_at").notNull(),
		endedAt: integer("ended_at").notNull().default(0),
	},
	(t) => [index("meetings_status_idx").on(t.status, t.createdAt)],
);

/** Who has joined a meeting (the creator included): enforces maxParticipants and scopes the list. */
export const meetingParticipants = sqliteTable(
	"meeting_participants",
	{
		roomId: text("room_id").notNull(),
		userId: text("user_id").notNull(),
		joinedAt: integer("joined_at").notNull(),
	},
	(t) => [primaryKey({ columns: [t.roomId, t.userId] }), index("meeting_participants_user_idx").on(t.userId)],
);
