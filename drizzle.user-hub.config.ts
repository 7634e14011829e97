import { defineConfig } from "drizzle-kit";

/** The UserHub object's own SQLite: `npm run db:generate` writes its migrations too. */
export default defineConfig({
	dialect: "sqlite",
	driver: "durable-sqlite",
	schema: "./durable-objects/user-hub/schema.ts",
	out: "./durable-objects/user-hub/drizzle",
});
