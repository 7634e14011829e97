import type { Bindings } from "../domain/env";
import type { AuthContext } from "../domain/identity";

export interface AppEnv {
	Bindings: Bindings;
	Variables: { auth: AuthContext };
}
