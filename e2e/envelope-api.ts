/** The JSON API as the e2e tests call it: one request, the parsed envelope back. */
export type Envelope = { code: number; message: string; data: any };

export type EnvelopeApi = (
	method: string,
	path: string,
	body?: unknown,
	token?: string,
	base?: string,
) => Promise<Envelope>;

/** Requests against the server at `url()` (read per call: the server starts in beforeAll). */
export function envelopeApi(url: () => string): EnvelopeApi {
	return async (method, path, body, token, base = "/api/v1") => {
		const headers: Record<string, string> = {};
		if (body !== undefined) headers["content-type"] = "application/json";
		if (token) headers.authorization = `Bearer ${token}`;
		const res = await fetch(`${url()}${base}${path}`, {
			method,
			headers,
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		return (await res.json()) as Envelope;
	};
}

/** A name no earlier run used: the e2e server's state may outlive a run. */
export const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
