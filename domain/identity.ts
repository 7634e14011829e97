/** Header by which the Worker hands the verified identity to a UserHub on upgrade. */
export const IDENTITY_HEADER = "X-AnyChat-Identity";

/** Who is calling, as verified by the Worker. Durable Objects trust only this. */
export interface AuthContext {
	userId: string;
	deviceId: string;
	deviceType: string;
	sessionId: string;
}
