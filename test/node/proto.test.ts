// The protobuf contract: generated code current, typed messages carrying exactly the JSON fields.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { DescMessage } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { notificationCase } from "../../contracts/frame-codec";
import { Notifications } from "../../contracts/notifications";
import { SendFrameFields } from "./proto-pairs";

const protoDir = new URL("../../contracts/proto/", import.meta.url).pathname;

function files(dir: string): Map<string, string> {
	const out = new Map<string, string>();
	const walk = (d: string) => {
		for (const name of readdirSync(d)) {
			const p = join(d, name);
			if (statSync(p).isDirectory()) walk(p);
			else out.set(relative(dir, p), readFileSync(p, "utf8"));
		}
	};
	walk(dir);
	return out;
}

/** The keys a zod object carries, nested objects (and arrays of them) by path. */
function zodKeys(schema: z.ZodType, prefix = ""): string[] {
	let s: any = schema;
	while (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodPipe) {
		s = s instanceof z.ZodPipe ? s.in : s.unwrap();
	}
	if (s instanceof z.ZodArray) return zodKeys(s.element as z.ZodType, prefix);
	if (!(s instanceof z.ZodObject)) return [];
	return Object.entries(s.shape as Record<string, z.ZodType>).flatMap(([k, v]) => [
		prefix + k,
		...zodKeys(v, `${prefix}${k}.`),
	]);
}

function protoKeys(desc: DescMessage, prefix = ""): string[] {
	return desc.fields.flatMap((f) => [
		prefix + f.localName,
		...(f.fieldKind === "message" || (f.fieldKind === "list" && f.listKind === "message")
			? protoKeys(f.message!, `${prefix}${f.localName}.`)
			: []),
	]);
}

describe("contracts/proto", () => {
	it("gen/ is what buf generates from the .proto files now", () => {
		const out = mkdtempSync(join(tmpdir(), "anychat-proto-"));
		try {
			execFileSync(join(protoDir, "../../node_modules/.bin/buf"), ["generate", "--output", out], {
				cwd: protoDir,
				stdio: "pipe",
			});
			const fresh = files(join(out, "gen"));
			const committed = files(join(protoDir, "gen"));
			expect([...committed.keys()].sort(), "stale: run `npm run proto`").toEqual([...fresh.keys()].sort());
			for (const [name, text] of fresh) expect(committed.get(name), `stale ${name}: run \`npm run proto\``).toBe(text);
		} finally {
			rmSync(out, { recursive: true, force: true });
		}
	});

	it("passes buf lint", () => {
		execFileSync(join(protoDir, "../../node_modules/.bin/buf"), ["lint"], { cwd: protoDir, stdio: "pipe" });
	});

	it("every typed notification message has exactly the fields of its zod data schema", () => {
		const typed = Object.keys(Notifications).filter((t) => notificationCase(t));
		expect(typed.length).toBeGreaterThan(15);
		for (const type of typed) {
			const field = notificationCase(type)!;
			if (field.fieldKind !== "message") throw new Error(type);
			const schema = Notifications[type as keyof typeof Notifications];
			expect(protoKeys(field.message).sort(), type).toEqual(zodKeys(schema).sort());
		}
	});

	it("typed frame payloads have exactly the fields of their zod schemas", () => {
		for (const [name, { schema, desc }] of Object.entries(SendFrameFields)) {
			expect(protoKeys(desc).sort(), name).toEqual(zodKeys(schema).sort());
		}
	});
});
