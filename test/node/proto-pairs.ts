import type { DescMessage } from "@bufbuild/protobuf";
import type { z } from "zod";
import { FrameErrorSchema } from "../../contracts/proto/gen/anychat/v1/frame_pb";
import {
	SendAckSchema,
	SendMessageSchema,
	SendRefusedSchema,
	TypingUpdateSchema,
} from "../../contracts/proto/gen/anychat/v1/message_pb";
import { ClientFrames, ServerFrames } from "../../contracts/ws";

/** Each typed frame payload of frame.proto next to the zod schema of the JSON frame. */
export const SendFrameFields: Record<string, { schema: z.ZodType; desc: DescMessage }> = {
	"message.send": { schema: ClientFrames["message.send"], desc: SendMessageSchema },
	"message.typing": { schema: ClientFrames["message.typing"], desc: TypingUpdateSchema },
	"message.sent": { schema: ServerFrames["message.sent"], desc: SendAckSchema },
	"message.error": { schema: ServerFrames["message.error"], desc: SendRefusedSchema },
	error: { schema: ServerFrames.error, desc: FrameErrorSchema },
};
