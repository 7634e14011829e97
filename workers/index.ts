import { app } from "./app";

export { Conversation } from "../durable-objects/conversation";
export { UserHub } from "../durable-objects/user-hub";

export default {
	fetch: app.fetch,
} satisfies ExportedHandler<Env>;
