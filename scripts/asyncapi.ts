// Builds the AsyncAPI 3.0 document of the live channel from the same zod schemas the server
// validates and sends with: contracts/ws.ts (frames) and contracts/notifications.ts (data).
import { stringify } from "yaml";
import { z } from "zod";
import { RETRY_RULE } from "../contracts/messages";
import { Notifications } from "../contracts/notifications";
import { ClientFrames, CloseCodes, MAX_FRAME_BYTES, ServerFrames } from "../contracts/ws";

type Io = "input" | "output";

const jsonSchema = (schema: z.ZodType, io: Io) => {
	const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: "draft-07", io, unrepresentable: "any" }) as Record<
		string,
		unknown
	>;
	return rest;
};

const frame = (type: string, payload: z.ZodType) => z.object({ type: z.literal(type), payload });

const CLIENT_SUMMARIES: Record<keyof typeof ClientFrames, string> = {
	ping: "Heartbeat; the server answers pong.",
	"message.send": "Send a message (same body as POST /api/v1/messages); answered by message.sent or message.error.",
	"message.typing": "Tell the conversation's other members this user is (not) typing; repeats within 3 s are dropped.",
};

/** Longer text where a summary cannot say it all. */
const CLIENT_DESCRIPTIONS: Partial<Record<keyof typeof ClientFrames, string>> = {
	"message.send": `Retries: ${RETRY_RULE}`,
};

const SERVER_SUMMARIES: Record<keyof typeof ServerFrames, string> = {
	pong: "Answer to ping.",
	"message.sent": "A message.send was stored; `localId` echoes the client's.",
	"message.error":
		"A message.send was refused; `code` is the business code (or HTTP status) the HTTP route would give.",
	error: "A client frame could not be handled (malformed, unknown type, too large, refused).",
	notification: "A server event; one message per notification type below.",
};

export function buildAsyncApi(version: string) {
	const messages: Record<string, object> = {};
	const clientRefs: object[] = [];
	const serverRefs: object[] = [];
	const ref = (name: string) => ({ $ref: `#/channels/live/messages/${name}` });

	for (const [type, payload] of Object.entries(ClientFrames)) {
		messages[type] = {
			name: type,
			summary: CLIENT_SUMMARIES[type as keyof typeof ClientFrames],
			...(CLIENT_DESCRIPTIONS[type as keyof typeof ClientFrames]
				? { description: CLIENT_DESCRIPTIONS[type as keyof typeof ClientFrames] }
				: {}),
			payload: jsonSchema(frame(type, payload), "input"),
		};
		clientRefs.push(ref(type));
	}
	for (const [type, payload] of Object.entries(ServerFrames)) {
		if (type === "notification") continue;
		messages[type] = {
			name: type,
			summary: SERVER_SUMMARIES[type as keyof typeof ServerFrames],
			payload: jsonSchema(frame(type, payload), "output"),
		};
		serverRefs.push(ref(type));
	}
	for (const [type, data] of Object.entries(Notifications)) {
		const name = `notification.${type}`;
		const payload = ServerFrames.notification.extend({ notificationType: z.literal(type), data });
		messages[name] = {
			name: "notification",
			title: type,
			summary: `Notification ${type}.`,
			payload: jsonSchema(frame("notification", payload), "output"),
		};
		serverRefs.push(ref(name));
	}

	return {
		asyncapi: "3.0.0",
		info: {
			title: "AnyChat Edge live channel",
			version,
			description: [
				"One WebSocket per device at /api/v1/ws?token=<access token>. Every frame is {type, payload}.",
				"Subprotocol `anychat` (default): JSON text frames as described here.",
				"Subprotocol `anychat.pb`: the same frames as binary protobuf messages, ServerFrame and ClientFrame of",
				"contracts/proto/anychat/v1/frame.proto; payloads without a typed message travel as their JSON in `json`.",
				`Frames above ${MAX_FRAME_BYTES} bytes get an error frame. Close codes: ${CloseCodes.Replaced} replaced by a`,
				`newer socket of the same device, ${CloseCodes.SessionEnded} the device's session ended.`,
			].join("\n"),
		},
		defaultContentType: "application/json",
		servers: {
			local: { host: "localhost:8787", protocol: "ws", description: "wrangler dev" },
		},
		channels: {
			live: {
				address: "/api/v1/ws",
				title: "Live channel of one device",
				messages,
				bindings: {
					ws: {
						method: "GET",
						query: {
							type: "object",
							required: ["token"],
							properties: { token: { type: "string", description: "access token" } },
						},
						headers: {
							type: "object",
							properties: {
								"Sec-WebSocket-Protocol": {
									type: "string",
									description: "anychat (JSON, default) or anychat.pb (protobuf); the first one offered is echoed",
								},
							},
						},
						bindingVersion: "0.1.0",
					},
				},
			},
		},
		operations: {
			receiveClientFrames: {
				action: "receive",
				channel: { $ref: "#/channels/live" },
				summary: "Frames a client sends.",
				messages: clientRefs,
			},
			sendServerFrames: {
				action: "send",
				channel: { $ref: "#/channels/live" },
				summary: "Frames the server sends.",
				messages: serverRefs,
			},
		},
	};
}

export const renderAsyncApi = (version: string) =>
	`# Generated by \`npm run contracts\` from contracts/ws.ts and contracts/notifications.ts; do not edit.\n${stringify(buildAsyncApi(version), { lineWidth: 0, aliasDuplicateObjects: false })}`;
