import type { Bindings } from "../domain/env";

/** Whether a device session may still act: "active", "ended" (revoked or unknown) or "disabled" (account). */
export async function sessionState(
	env: Bindings,
	userId: string,
	sessionId: string,
): Promise<"active" | "ended" | "disabled"> {
	const row = await env.DB.prepare(
		`SELECT s.revoked_at AS revokedAt, u.status AS status
		   FROM device_sessions s JOIN users u ON u.id = s.user_id
		  WHERE s.id = ? AND s.user_id = ?`,
	)
		.bind(sessionId, userId)
		.first<{ revokedAt: number | null; status: number }>();
	if (!row || row.revokedAt !== null) return "ended";
	return row.status === 1 ? "active" : "disabled";
}
