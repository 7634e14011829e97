// Writes contracts/openapi.json from the app's route table and zod schemas.
import { writeFileSync } from "node:fs";
import pkg from "../package.json" with { type: "json" };
import { app } from "../workers/app";
import { buildOpenApi } from "../workers/lib/openapi";

const doc = buildOpenApi(app.routes, { title: "AnyChat Edge", version: pkg.version });
writeFileSync(new URL("../contracts/openapi.json", import.meta.url), `${JSON.stringify(doc, null, "\t")}\n`);
console.log(`contracts/openapi.json: ${Object.keys(doc.paths).length} paths`);
