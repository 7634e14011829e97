import type { MiddlewareHandler } from "hono";

/**
 * JSON, errors and anything that is not a page: nothing may load, run or frame it. A browser
 * that is tricked into rendering an API response as a document gets no script, style or frame.
 */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * HTML pages (/docs now, the web console at `/` later): only same-origin resources, the live
 * channel over ws(s), images from data:/blob: (avatars, previews), never framed. Inline
 * script and style run only with the per-response nonce the page itself was rendered with,
 * so text a user stored can never become script even if a page forgot to escape it.
 */
export const pageCsp = (nonce?: string) =>
	[
		"default-src 'self'",
		`script-src 'self'${nonce ? ` 'nonce-${nonce}'` : ""}`,
		`style-src 'self'${nonce ? ` 'nonce-${nonce}'` : ""}`,
		"img-src 'self' data: blob:",
		"media-src 'self' blob:",
		"connect-src 'self' ws: wss:",
		"object-src 'none'",
		"base-uri 'none'",
		"form-action 'self'",
		"frame-ancestors 'none'",
	].join("; ");

/** A fresh nonce for one HTML response. */
export const newNonce = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));

/**
 * Sets the transport security headers on every response, including errors and CORS
 * preflights. A handler that renders a page with inline code sets its own nonce CSP first;
 * any other HTML gets the page policy without inline code, everything else the API policy.
 */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
	await next();
	const h = c.res.headers;
	h.set("X-Content-Type-Options", "nosniff");
	h.set("Referrer-Policy", "no-referrer");
	h.set("X-Frame-Options", "DENY");
	// Browsers ignore it over plain http (local development), so it only ever pins HTTPS.
	h.set("Strict-Transport-Security", "max-age=31536000");
	if (!h.has("Content-Security-Policy")) {
		const html = (h.get("Content-Type") ?? "").toLowerCase().startsWith("text/html");
		h.set("Content-Security-Policy", html ? pageCsp() : API_CSP);
	}
};
