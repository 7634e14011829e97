import { describe, expect, it } from "vitest";
import { app } from "../workers/app";

const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"];
const segments = (path: string) => path.split("/").filter(Boolean);
const isParam = (s: string) => s.startsWith(":");

/** `specific` is a path `general` also matches, with a static segment where `general` has a param. */
function shadows(general: string, specific: string): boolean {
	const g = segments(general);
	const s = segments(specific);
	if (g.length !== s.length || general === specific) return false;
	let widened = false;
	for (let i = 0; i < g.length; i++) {
		if (isParam(g[i]!)) widened ||= !isParam(s[i]!);
		else if (g[i] !== s[i]) return false;
	}
	return widened;
}

describe("route table", () => {
	it("no param route swallows a static path: every method reaches the static path's own route or its 405", () => {
		const routes = app.routes.filter((r) => !r.path.includes("*"));
		const problems: string[] = [];
		routes.forEach((r, i) => {
			if (!segments(r.path).some(isParam)) return;
			for (const method of r.method === "ALL" ? METHODS : [r.method]) {
				for (const path of new Set(routes.map((q) => q.path).filter((p) => shadows(r.path, p)))) {
					const answered = routes
						.slice(0, i)
						.some((q) => q.path === path && (q.method === method || q.method === "ALL"));
					if (!answered) problems.push(`${method} ${path} falls into ${r.method} ${r.path}`);
				}
			}
		});
		expect([...new Set(problems)]).toEqual([]);
	});
});
