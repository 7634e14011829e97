import { defineConfig } from "drizzle-kit";

/** The Conversation object's own SQLite: `npm run db:generate` writes its migrations too. */
export default defineConfig({
	dialect: "sqlite",
	driver: "durable-sqlite",
	schema: "./durable-objects/conversation/schema.ts",
	out: "./durable-objects/conversation/drizzle",
});
