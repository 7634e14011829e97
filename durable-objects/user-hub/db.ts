import { type DrizzleSqliteDODatabase, drizzle } from "drizzle-orm/durable-sqlite";
import * as schema from "./schema";

export type HubDb = DrizzleSqliteDODatabase<typeof schema>;

/** drizzle over the hub's own SQLite. */
export const hubDb = (storage: DurableObjectStorage): HubDb => drizzle(storage, { schema });
