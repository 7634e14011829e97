/** The named request and response types of the API, inferred from the zod schemas in contracts/. */
import type * as Adm from "../../contracts/admin";
import type * as A from "../../contracts/auth";
import type * as Fi from "../../contracts/files";
import type * as F from "../../contracts/friends";
import type * as G from "../../contracts/groups";
import type * as M from "../../contracts/messages";
import type * as R from "../../contracts/rtc";
import type * as S from "../../contracts/sessions";
import type * as Sy from "../../contracts/sync";
import type * as U from "../../contracts/users";
import type { In, Out } from "./shared";

export type AuthResponse = Out<typeof A.AuthResponse>;
export type TokenPair = Out<typeof A.TokenPair>;
export type UserProfile = Out<typeof U.UserProfile>;
export type PublicUser = Out<typeof U.PublicUser>;
export type UserSettings = Out<typeof U.UserSettings>;
export type Friend = Out<typeof F.Friend>;
export type FriendRequest = Out<typeof F.FriendRequest>;
export type BlacklistItem = Out<typeof F.BlacklistItem>;
export type Group = Out<typeof G.Group>;
export type GroupListItem = Out<typeof G.GroupListItem>;
export type GroupMember = Out<typeof G.GroupMember>;
export type GroupJoinRequest = Out<typeof G.GroupJoinRequest>;
export type Page<T> = { list: T[]; total: number; page: number; pageSize: number };

export type ConversationType = Out<typeof Sy.ConversationMessages>["conversationType"];
/** A message as history, sync and `message.new` carry it; only `message.new` adds `senderInfo`. */
export type Message = Out<typeof M.Message> & { senderInfo?: Out<typeof M.SenderInfo> };
/**
 * What the library sends (`message.send` and POST /messages): the canonical forms of the
 * request (the server also accepts legacy aliases such as "single" and numeric content types).
 */
export type SendPayload = Omit<In<typeof M.SendMessageRequest>, "conversationType" | "contentType" | "localId"> & {
	conversationType: ConversationType;
	contentType: M.ContentType | (string & {});
	localId: string;
};
export type SendAck = Out<typeof M.SendAck>;
export type MessageSearchResult = Out<typeof M.SearchMessagesResponse>;
export type Session = Out<typeof S.Session>;
export type ConversationSeq = In<typeof Sy.ConversationSeq>;
export type ConversationMessages = Out<typeof Sy.ConversationMessages>;
export type SyncResult = Out<typeof Sy.SyncResponse>;
export type FileType = Fi.FileType;
export type FileInfo = Out<typeof Fi.FileInfo>;
export type UploadToken = Out<typeof Fi.UploadTokenResponse>;
export type CallType = Out<typeof R.CallSession>["callType"];
export type CallStatus = R.CallStatus;
export type Call = Out<typeof R.CallSession>;
export type CallTicket = Out<typeof R.InitiateCallResponse>;
export type Meeting = Out<typeof R.MeetingRoom>;
export type MeetingAccess = Out<typeof R.MeetingAccess>;
export type AdminLogin = Out<typeof Adm.AdminLoginResponse>;
export type AdminUser = Out<typeof Adm.AdminUserItem>;
export type AuditLog = Out<typeof Adm.AuditLogItem>;
