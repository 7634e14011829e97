import type { Wire } from "../../contracts/frame-codec";
import type { AuthContext } from "../../domain/identity";

/** What each hibernated socket remembers about itself. */
export interface SocketInfo extends AuthContext {
	connectedAt: number;
	/** The socket's encoding (subprotocol `anychat.pb` = protobuf); absent = JSON. */
	wire?: Wire;
	/** The upgrade request's ID: work done for this socket's frames logs under it (platform/log.ts). */
	requestId?: string;
}

/** A client frame as decoded from a socket message (JSON or protobuf). */
export type Frame = { type: string; payload?: unknown };
