// Writes contracts/asyncapi.yaml (the live channel's contract) from the zod frame catalogue.
import { writeFileSync } from "node:fs";
import pkg from "../package.json" with { type: "json" };
import { buildAsyncApi, renderAsyncApi } from "./asyncapi";

writeFileSync(new URL("../contracts/asyncapi.yaml", import.meta.url), renderAsyncApi(pkg.version));
console.log(
	`contracts/asyncapi.yaml: ${Object.keys(buildAsyncApi(pkg.version).channels.live.messages).length} messages`,
);
