/** Accounts: registration, login and tokens; the caller's profile and settings, other users. */
import type * as A from "../../contracts/auth";
import type * as U from "../../contracts/users";
import type { Http } from "../http";
import { enc, type In, type Out } from "./shared";
import type { AuthResponse, PublicUser, UserProfile, UserSettings } from "./types";

export class AuthApi {
	constructor(private readonly http: Http) {}

	/** Registers and stores the token pair. */
	async register(body: In<typeof A.RegisterRequest>): Promise<AuthResponse> {
		const r = await this.http.request<AuthResponse>("POST", "/auth/register", { body, auth: false });
		this.http.setTokens(r);
		return r;
	}

	/** Logs in and stores the token pair. */
	async login(body: In<typeof A.LoginRequest>): Promise<AuthResponse> {
		const r = await this.http.request<AuthResponse>("POST", "/auth/login", { body, auth: false });
		this.http.setTokens(r);
		return r;
	}

	/** Explicit rotation; normally the client refreshes by itself on a 401. */
	async refresh(): Promise<boolean> {
		return this.http.refresh();
	}

	async logout(body: In<typeof A.LogoutRequest>): Promise<null> {
		try {
			return await this.http.request<null>("POST", "/auth/logout", { body });
		} finally {
			this.http.setTokens(null);
		}
	}

	changePassword(body: In<typeof A.ChangePasswordRequest>): Promise<null> {
		return this.http.request("POST", "/auth/password/change", { body });
	}
}

export class UsersApi {
	constructor(private readonly http: Http) {}
	me(): Promise<UserProfile> {
		return this.http.request("GET", "/users/me");
	}
	updateMe(body: In<typeof U.UpdateProfileRequest>): Promise<UserProfile> {
		return this.http.request("PUT", "/users/me", { body });
	}
	get(userId: string): Promise<PublicUser> {
		return this.http.request("GET", `/users/${enc(userId)}`);
	}
	search(query: In<typeof U.UserSearchQuery>): Promise<Out<typeof U.UserSearchResponse>> {
		return this.http.request("GET", "/users/search", { query: query as Record<string, string | number> });
	}
	settings(): Promise<UserSettings> {
		return this.http.request("GET", "/users/me/settings");
	}
	updateSettings(body: In<typeof U.UpdateSettingsRequest>): Promise<UserSettings> {
		return this.http.request("PUT", "/users/me/settings", { body });
	}
	refreshQrcode(): Promise<Out<typeof U.QrcodeRefreshResponse>> {
		return this.http.request("POST", "/users/me/qrcode/refresh");
	}
	byQrcode(qrcode: string): Promise<PublicUser> {
		return this.http.request("GET", "/users/qrcode", { query: { qrcode } });
	}
	registerPushToken(body: In<typeof U.PushTokenRequest>): Promise<null> {
		return this.http.request("POST", "/users/me/push-token", { body });
	}
}
