/**
 * Typed calls for every route, one class per REST area. Request and response types are inferred
 * from the zod schemas in contracts/ (type-only imports: no zod in the bundle), the same schemas
 * the Worker validates with and the OpenAPI document is generated from.
 */
export { AuthApi, UsersApi } from "./account";
export { AdminApi } from "./admin";
export { FilesApi, fileTypeOf } from "./files";
export { MessagesApi, SessionsApi, SyncApi } from "./messaging";
export { RtcApi } from "./rtc";
export { FriendsApi, GroupsApi } from "./social";
export * from "./types";
