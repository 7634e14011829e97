/** An error the API answered with (envelope `code` ≠ 0), or a transport failure (status 0). */
export class ApiError extends Error {
	constructor(
		/** Business code when one applies, else the HTTP status (WIRE-PROFILE §1); 0 for network failures. */
		readonly code: number,
		/** HTTP status; 0 when no response arrived. */
		readonly status: number,
		message: string,
	) {
		super(message);
		this.name = "ApiError";
	}

	get isNetwork() {
		return this.status === 0;
	}
}

/** Words a person can read for any thrown value. */
export function describeError(e: unknown): string {
	if (e instanceof ApiError) return e.status === 0 ? `Network error: ${e.message}` : `${e.message} (${e.code})`;
	if (e instanceof Error) return e.message;
	return String(e);
}
