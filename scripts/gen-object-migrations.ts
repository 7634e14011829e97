// Writes <folder>/migrations.ts for every Durable Object's drizzle-kit folder (see object-migrations.ts).
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { migrationsModule, OBJECT_MIGRATIONS } from "./object-migrations";

const root = new URL("..", import.meta.url).pathname;
for (const folder of OBJECT_MIGRATIONS) {
	writeFileSync(join(root, folder, "migrations.ts"), migrationsModule(root, folder));
	// drizzle-kit's own loader module, replaced by migrations.ts.
	rmSync(join(root, folder, "migrations.js"), { force: true });
	console.log(`${folder}/migrations.ts`);
}
