/** The admin console's routes. */
import type * as Adm from "../../contracts/admin";
import type { Http, Query } from "../http";
import { enc, type In, type Out } from "./shared";
import type { AdminLogin, AdminUser } from "./types";

/** Admin routes use their own token (never the user's); keep it in this object. */
export class AdminApi {
	token = "";
	constructor(private readonly http: Http) {}
	private req<T>(method: string, path: string, opts: { query?: Query; body?: unknown } = {}) {
		return this.http.request<T>(method, `/admin${path}`, { ...opts, token: this.token || "-" });
	}
	async login(body: In<typeof Adm.AdminLoginRequest>): Promise<AdminLogin> {
		const r = await this.http.request<AdminLogin>("POST", "/admin/auth/login", { body, auth: false });
		this.token = r.token;
		return r;
	}
	async logout(): Promise<void> {
		try {
			await this.req("POST", "/auth/logout");
		} finally {
			this.token = "";
		}
	}
	users(query: In<typeof Adm.AdminUserQuery> = {}): Promise<Out<typeof Adm.AdminUserList>> {
		return this.req("GET", "/users", { query: query as Query });
	}
	user(userId: string): Promise<AdminUser> {
		return this.req("GET", `/users/${enc(userId)}`);
	}
	ban(userId: string, body: In<typeof Adm.BanRequest> = {}): Promise<null> {
		return this.req("POST", `/users/${enc(userId)}/ban`, { body });
	}
	unban(userId: string): Promise<null> {
		return this.req("POST", `/users/${enc(userId)}/unban`);
	}
	group(groupId: string): Promise<Out<typeof Adm.AdminGroup>> {
		return this.req("GET", `/groups/${enc(groupId)}`);
	}
	dissolveGroup(groupId: string): Promise<null> {
		return this.req("DELETE", `/groups/${enc(groupId)}`);
	}
	stats(): Promise<Out<typeof Adm.StatsOverview>> {
		return this.req("GET", "/stats/overview");
	}
	auditLogs(query: In<typeof Adm.AuditLogQuery> = {}): Promise<Out<typeof Adm.AuditLogList>> {
		return this.req("GET", "/audit-logs", { query: query as Query });
	}
	config(): Promise<Out<typeof Adm.ConfigList>> {
		return this.req("GET", "/config");
	}
	setConfig(key: string, body: In<typeof Adm.UpdateConfigRequest>): Promise<Out<typeof Adm.ConfigItem>> {
		return this.req("PUT", `/config/${enc(key)}`, { body });
	}
	admins(): Promise<Out<typeof Adm.AdminAccountList>> {
		return this.req("GET", "/admins");
	}
	createAdmin(body: In<typeof Adm.CreateAdminRequest>): Promise<Out<typeof Adm.AdminAccount>> {
		return this.req("POST", "/admins", { body });
	}
	setAdminStatus(
		adminId: string,
		body: In<typeof Adm.UpdateAdminStatusRequest>,
	): Promise<Out<typeof Adm.AdminAccount>> {
		return this.req("PUT", `/admins/${enc(adminId)}/status`, { body });
	}
}
