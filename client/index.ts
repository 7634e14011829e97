import {
	AdminApi,
	AuthApi,
	FilesApi,
	FriendsApi,
	GroupsApi,
	MessagesApi,
	RtcApi,
	SessionsApi,
	SyncApi,
	UsersApi,
} from "./api";
import { Http, type HttpOptions } from "./http";
import { RealtimeClient, type RealtimeOptions } from "./realtime/client";

export * from "./api";
export * from "./errors";
export * from "./events";
export * from "./http";
export * from "./realtime/backoff";
export * from "./realtime/client";
export * from "./realtime/outbox";
export * from "./realtime/sequencer";
export type { SocketConstructor, SocketLike } from "./runtime";

/** One object for an app: every REST area plus a factory for the live channel. */
export class AnyChatClient {
	readonly http: Http;
	readonly auth: AuthApi;
	readonly users: UsersApi;
	readonly friends: FriendsApi;
	readonly groups: GroupsApi;
	readonly sessions: SessionsApi;
	readonly messages: MessagesApi;
	readonly sync: SyncApi;
	readonly files: FilesApi;
	readonly rtc: RtcApi;
	readonly admin: AdminApi;

	constructor(options: HttpOptions) {
		this.http = new Http(options);
		this.auth = new AuthApi(this.http);
		this.users = new UsersApi(this.http);
		this.friends = new FriendsApi(this.http);
		this.groups = new GroupsApi(this.http);
		this.sessions = new SessionsApi(this.http);
		this.messages = new MessagesApi(this.http);
		this.sync = new SyncApi(this.http);
		this.files = new FilesApi(this.http, options.fetch);
		this.rtc = new RtcApi(this.http);
		this.admin = new AdminApi(this.http);
	}

	realtime(options: Omit<RealtimeOptions, "http" | "sync" | "sessions"> = {}): RealtimeClient {
		return new RealtimeClient({ ...options, http: this.http, sync: this.sync, sessions: this.sessions });
	}
}
