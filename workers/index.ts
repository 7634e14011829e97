import { app } from "./app";
import { consumePush } from "./push/consumer";
import type { PushJob } from "./push/jobs";

export { Conversation } from "../durable-objects/conversation";
export { UserHub } from "../durable-objects/user-hub";

export default {
	fetch: app.fetch,
	queue: (batch, env) => consumePush(batch as MessageBatch<PushJob>, env),
} satisfies ExportedHandler<Env, PushJob>;
