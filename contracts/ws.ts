import { z } from "zod";
import { SendAck, SendMessageRequest, TypingFrame } from "./messages";
import { NotificationPayload } from "./notifications";

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

/** `message.error`: a send was refused; `localId` echoes the send's ("" when it had none). */
export const SendError = z.object({ code: z.number().int(), message: z.string(), localId: z.string() });

/** `error`: a client frame could not be handled (bad frame, unknown type, refused typing...). */
export const FrameError = z.object({ code: z.number().int(), message: z.string() });

/**
 * Every client frame type with its payload schema: the catalogue the AsyncAPI document is
 * generated from (the UserHub's handlers must all be listed, test/ws-contract.test.ts).
 */
export const ClientFrames = {
	ping: z.null().optional().describe("no payload; answered with pong"),
	"message.send": SendMessageRequest,
	"message.typing": TypingFrame,
} satisfies Record<string, z.ZodType>;

/** Every server frame type with its payload schema (`notification` data: contracts/notifications.ts). */
export const ServerFrames = {
	pong: z.null(),
	"message.sent": SendAck,
	"message.error": SendError,
	error: FrameError,
	notification: NotificationPayload,
} satisfies Record<string, z.ZodType>;

/** Close codes the server uses. */
export const CloseCodes = {
	/** Another socket of the same device replaced this one. */
	Replaced: 4001,
	/** The device's session ended (logout, password change, ban). */
	SessionEnded: 4003,
} as const;

/** Frames above this size get an error frame and are not processed. */
export const MAX_FRAME_BYTES = 64 * 1024;
