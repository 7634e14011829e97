// The AsyncAPI document: valid, current, and covering every notification the code can send.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Parser } from "@asyncapi/parser";
import { describe, expect, it } from "vitest";
import { Notifications } from "../../contracts/notifications";
import { ClientFrames, ServerFrames } from "../../contracts/ws";
import { renderAsyncApi } from "../../scripts/asyncapi";

const root = new URL("../../", import.meta.url).pathname;
const committed = readFileSync(join(root, "contracts/asyncapi.yaml"), "utf8");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };

function sourceFiles(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const p = join(dir, name);
		if (statSync(p).isDirectory()) return sourceFiles(p);
		return p.endsWith(".ts") ? [p] : [];
	});
}

/**
 * Notification types named at a send site: the first dotted string literal of each
 * notify(...), notifyXxx(...) and notificationFrame(...) call, up to the end of its statement.
 */
function typesSentInCode(): Map<string, string> {
	const found = new Map<string, string>();
	for (const file of [...sourceFiles(join(root, "workers")), ...sourceFiles(join(root, "durable-objects"))]) {
		const text = readFileSync(file, "utf8");
		for (const call of text.matchAll(/\b(?:notify\w*|notificationFrame)\(/g)) {
			const statement = text.slice(call.index, call.index + 600).split(";")[0]!;
			const literal = statement.match(/"([a-z]+\.[a-z_]+)"/);
			if (literal) found.set(literal[1]!, file.slice(root.length));
		}
	}
	return found;
}

describe("contracts/asyncapi.yaml", () => {
	it("is what `npm run contracts` generates from the zod schemas now", () => {
		expect(committed, "stale: run `npm run contracts`").toBe(renderAsyncApi(pkg.version));
	});

	it("is a valid AsyncAPI document", async () => {
		const { document, diagnostics } = await new Parser().parse(committed);
		const errors = diagnostics.filter((d) => d.severity === 0);
		expect(errors.map((d) => `${d.path.join(".")}: ${d.message}`)).toEqual([]);
		expect(document).toBeDefined();
		const names = document!
			.allMessages()
			.all()
			.map((m) => m.id());
		for (const t of Object.keys(ClientFrames)) expect(names).toContain(t);
		for (const t of Object.keys(ServerFrames)) if (t !== "notification") expect(names).toContain(t);
	});

	it("documents every notification type the code sends, each with its data schema", async () => {
		const { document } = await new Parser().parse(committed);
		const messages = document!.channels().get("live")!.messages();
		const sent = typesSentInCode();
		// The scan must see the send sites, or it proves nothing.
		expect(sent.size).toBeGreaterThan(25);
		const catalogued = new Set(Object.keys(Notifications));
		for (const [type, file] of sent) {
			expect(catalogued.has(type), `${type} (sent in ${file}) is missing from contracts/notifications.ts`).toBe(true);
		}
		for (const type of new Set([...catalogued, ...sent.keys()])) {
			const m = messages.get(`notification.${type}`);
			expect(m, `notification.${type}`).toBeDefined();
			const payload = m!.payload()!.properties()!.payload!.properties()!;
			expect(payload.notificationType!.const()).toBe(type);
			expect(payload.data!.type()).toBe("object");
		}
	});
});
