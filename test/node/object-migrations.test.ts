// The Durable Objects' drizzle-kit migrations: generated from their schema, turned into modules.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { migrationsModule, OBJECT_MIGRATIONS } from "../../scripts/object-migrations";

const root = new URL("../..", import.meta.url).pathname;

describe("drizzle-kit migrations", () => {
	it.each(OBJECT_MIGRATIONS)(
		"%s/migrations.ts is what scripts/gen-object-migrations.ts makes of the folder",
		(folder) => {
			expect(readFileSync(join(root, folder, "migrations.ts"), "utf8")).toBe(migrationsModule(root, folder));
		},
	);

	it.each([
		["D1", "schema/index.ts", "migrations"],
		["the Conversation object", "durable-objects/conversation/schema.ts", "durable-objects/conversation/drizzle"],
		["the UserHub object", "durable-objects/user-hub/schema.ts", "durable-objects/user-hub/drizzle"],
	])(
		"%s: the migrations are up to date with the schema (drizzle-kit finds nothing to generate)",
		(_, schema, folder) => {
			// Generated into a copy, so a stale schema shows as a new file instead of changing the repository.
			const out = mkdtempSync(join(tmpdir(), "migrations-"));
			try {
				cpSync(join(root, folder), out, { recursive: true });
				const before = readdirSync(out).sort();
				// drizzle-kit prefixes the folder with "./": give it a path relative to the project.
				const said = execFileSync(
					join(root, "node_modules/.bin/drizzle-kit"),
					["generate", "--dialect", "sqlite", "--schema", schema, "--out", relative(root, out)],
					{ cwd: root, encoding: "utf8", stdio: "pipe" },
				);
				expect(said).toContain("No schema changes");
				expect(readdirSync(out).sort(), "schema.ts changed without `npm run db:generate`").toEqual(before);
			} finally {
				rmSync(out, { recursive: true, force: true });
			}
		},
		60_000,
	);
});
