// The shape the design promises (README, "Architecture"): layers one way (dependency-cruiser,
// .dependency-cruiser.cjs), no SQL in route handlers, no D1 outside the repositories, small modules.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const root = new URL("../..", import.meta.url).pathname;
const tracked = (pattern: string[]) =>
	execFileSync("git", ["ls-files", "-co", "--exclude-standard", ...pattern], { cwd: root, encoding: "utf8" })
		.split("\n")
		.filter(Boolean);
const source = tracked(["*.ts", "*.tsx"]).filter(
	(f) => !/^(node_modules|dist)\//.test(f) && !/\/gen\//.test(f) && !/\/drizzle\/migrations\.ts$/.test(f),
);
const text = (f: string) => {
	try {
		return readFileSync(`${root}${f}`, "utf8");
	} catch {
		return ""; // deleted in the working tree
	}
};

/** Generated code and tests are exempt from the size rule. */
const SIZE_EXEMPT = [/(^|\/)test\//, /^e2e\//, /^bench\//, /^contracts\/proto\/gen\//, /^worker-configuration\.d\.ts$/];

const MAX_LINES = 400;
const CRUISED = ["workers", "durable-objects", "domain", "db", "platform", "contracts", "schema", "client", "console"];

describe("architecture", () => {
	it("keeps the layers of .dependency-cruiser.cjs: no cycle, no forbidden edge", () => {
		let violations = "";
		try {
			execFileSync(
				`${root}node_modules/.bin/depcruise`,
				["--config", ".dependency-cruiser.cjs", "--output-type", "err", ...CRUISED],
				{ cwd: root, encoding: "utf8", stdio: "pipe" },
			);
		} catch (e) {
			violations = String((e as { stdout?: string }).stdout ?? e);
		}
		expect(violations).toBe("");
	}, 120_000);

	it("puts no SQL in route handlers and reaches D1 only from db/, through drizzle", () => {
		// db/client.ts is the one place that hands the D1 binding to drizzle.
		const offenders = source
			.filter((f) => /^(workers|durable-objects|platform|domain|db)\//.test(f) && f !== "db/client.ts")
			.filter((f) => /\.prepare\(\s*["'`]|\.DB\b/.test(text(f)));
		expect(offenders).toEqual([]);
	});

	it(`has no source module over ${MAX_LINES} lines`, () => {
		const long = source
			.filter((f) => !SIZE_EXEMPT.some((r) => r.test(f)))
			.map((f) => [f, text(f).split("\n").length] as const)
			.filter(([, n]) => n > MAX_LINES);
		expect(long.map(([f, n]) => `${f}: ${n} lines`)).toEqual([]);
	});
});
