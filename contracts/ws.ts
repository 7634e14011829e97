import { z } from "zod";
import type { NotificationPayload } from "./notifications";

/** Client → server frames (WIRE-PROFILE §5). */
export const ClientFrame = z.object({
	type: z.string().min(1),
	payload: z.unknown().optional(),
});

export type ServerFrame =
	| { type: "pong"; payload: null }
	| { type: "error"; payload: { code: number; message: string } }
	| { type: "notification"; payload: z.infer<typeof NotificationPayload> }
	| { type: string; payload: unknown };

/** Close codes the server uses. */
export const CloseCodes = {
	/** Another socket of the same device replaced this one. */
	Replaced: 4001,
	/** The device's session ended (logout, password change, ban). */
	SessionEnded: 4003,
} as const;

/** Frames above this size get an error frame and are not processed. */
export const MAX_FRAME_BYTES = 64 * 1024;
