import { ApiError } from "./errors";

export interface Tokens {
	accessToken: string;
	refreshToken: string;
	/** Unix seconds at which the access token expires (0 = unknown). */
	expiresAt: number;
}

/** Where tokens live between calls; the console keeps them in localStorage, Node in memory. */
export interface TokenStore {
	get(): Tokens | null;
	set(tokens: Tokens | null): void;
}

export const memoryTokenStore = (initial: Tokens | null = null): TokenStore => {
	let t = initial;
	return {
		get: () => t,
		set: (v) => {
			t = v;
		},
	};
};

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
	query?: Query;
	body?: unknown;
	/** false for login/register/refresh: no Authorization header and no refresh on 401. */
	auth?: boolean;
	/** Overrides the bearer token (admin routes use their own token). */
	token?: string;
	signal?: AbortSignal;
}

export interface HttpOptions {
	/** Origin of the API, e.g. "https://chat.example.com"; "" for same-origin in a browser. */
	baseUrl: string;
	tokens?: TokenStore;
	fetch?: typeof fetch;
	/** Called once the session cannot be refreshed any more (refresh token rejected). */
	onSessionExpired?: () => void;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Envelope-aware HTTP: every `/api/v1` answer is `{code, message, data}`; `data` is returned,
 * anything else becomes an ApiError. A 401 triggers one token refresh (single-flight, the
 * server rotates the refresh token on every use) and one retry.
 */
export class Http {
	readonly baseUrl: string;
	readonly tokens: TokenStore;
	private readonly fetchImpl: typeof fetch;
	private refreshing: Promise<boolean> | null = null;

	constructor(private readonly options: HttpOptions) {
		this.baseUrl = options.baseUrl.replace(/\/$/, "");
		this.tokens = options.tokens ?? memoryTokenStore();
		// Bound so that browsers do not complain about an illegal invocation.
		this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
	}

	url(path: string, query?: Query): string {
		const qs = new URLSearchParams();
		for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) qs.set(k, String(v));
		const s = qs.toString();
		return `${this.baseUrl}/api/v1${path}${s ? `?${s}` : ""}`;
	}

	async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
		const useAuth = opts.auth !== false && !opts.token;
		const first = await this.send(method, path, opts, useAuth);
		if (first.status === 401 && useAuth && this.tokens.get()?.refreshToken) {
			if (await this.refresh()) return this.unwrap<T>(await this.send(method, path, opts, true));
		}
		return this.unwrap<T>(first);
	}

	/** Rotates the token pair. Concurrent callers share one refresh. Resolves false when the session is over. */
	refresh(): Promise<boolean> {
		this.refreshing ??= this.doRefresh().finally(() => {
			this.refreshing = null;
		});
		return this.refreshing;
	}

	/** An access token that is not about to expire (refreshes when less than a minute is left). */
	async freshAccessToken(): Promise<string | null> {
		const t = this.tokens.get();
		if (!t) return null;
		if (t.expiresAt && t.expiresAt - nowSeconds() < 60) {
			if (!(await this.refresh())) return null;
		}
		return this.tokens.get()?.accessToken ?? null;
	}

	setTokens(pair: { accessToken: string; refreshToken: string; expiresIn: number } | null) {
		this.tokens.set(
			pair
				? { accessToken: pair.accessToken, refreshToken: pair.refreshToken, expiresAt: nowSeconds() + pair.expiresIn }
				: null,
		);
	}

	private async doRefresh(): Promise<boolean> {
		const t = this.tokens.get();
		if (!t?.refreshToken) return false;
		try {
			const res = await this.send("POST", "/auth/refresh", { body: { refreshToken: t.refreshToken } }, false);
			const pair = await this.unwrap<{ accessToken: string; refreshToken: string; expiresIn: number }>(res);
			// Another tab may have rotated meanwhile; only replace what we used.
			if (this.tokens.get()?.refreshToken === t.refreshToken || !this.tokens.get()) this.setTokens(pair);
			return true;
		} catch (e) {
			if (e instanceof ApiError && e.status !== 0) {
				this.tokens.set(null);
				this.options.onSessionExpired?.();
			}
			return false;
		}
	}

	private async send(method: string, path: string, opts: RequestOptions, useAuth: boolean): Promise<Response> {
		const headers: Record<string, string> = { Accept: "application/json" };
		const token = opts.token ?? (useAuth ? this.tokens.get()?.accessToken : undefined);
		if (token) headers.Authorization = `Bearer ${token}`;
		let body: BodyInit | undefined;
		if (opts.body !== undefined) {
			headers["Content-Type"] = "application/json";
			body = JSON.stringify(opts.body);
		}
		try {
			return await this.fetchImpl(this.url(path, opts.query), { method, headers, body, signal: opts.signal });
		} catch (e) {
			// Node's fetch says only "fetch failed"; the cause (ECONNRESET, ECONNREFUSED…) is what helps.
			const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : "";
			throw new ApiError(0, 0, e instanceof Error ? `${e.message}${cause}` : "request failed");
		}
	}

	private async unwrap<T>(res: Response): Promise<T> {
		const text = await res.text();
		let env: { code?: unknown; message?: unknown; data?: unknown } | null = null;
		try {
			env = text ? JSON.parse(text) : null;
		} catch {
			env = null;
		}
		const code = typeof env?.code === "number" ? env.code : res.ok ? 0 : res.status;
		const message =
			typeof env?.message === "string" && env.message
				? env.message
				: res.ok
					? "success"
					: `HTTP ${res.status} ${res.statusText || "error"}`;
		if (!res.ok || code !== 0) throw new ApiError(code || res.status, res.status, message);
		return (env?.data ?? null) as T;
	}
}
