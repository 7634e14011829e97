import type { Bindings } from "../domain/env";
import type { AuthContext } from "../domain/identity";

export interface AppEnv {
	Bindings: Bindings;
	/** `requestId` and `errorCode`: workers/lib/request-log.ts. */
	Variables: { auth: AuthContext; requestId: string; errorCode: number };
}
