import { Hono } from "hono";
import openapi from "../../contracts/openapi.json";
import type { AppEnv } from "../env";
import { docsPage } from "../lib/docs-page";
import { newNonce, pageCsp } from "../lib/security-headers";
import { doc } from "../lib/validate";

/** The API's own description: the committed OpenAPI document and a browsable reference. */
export const meta = new Hono<AppEnv>();

meta.get(
	"/api/v1/openapi.json",
	doc({
		summary: "This OpenAPI 3.1 document",
		description: "The interactive reference is served at GET /docs.",
		tags: ["meta"],
		raw: true,
	}),
	(c) => c.json(openapi),
);
meta.get("/docs", (c) => {
	const nonce = newNonce();
	c.header("Content-Security-Policy", pageCsp(nonce));
	return c.html(docsPage("/api/v1/openapi.json", nonce));
});
