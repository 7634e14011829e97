import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/** The web console: a Preact single-page app served by the Worker as static assets. */
export default defineConfig({
	root: fileURLToPath(new URL(".", import.meta.url)),
	base: "/",
	oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
	build: {
		outDir: fileURLToPath(new URL("../dist/console", import.meta.url)),
		emptyOutDir: true,
		target: "es2022",
	},
	server: {
		// `vite --config console/vite.config.ts` during UI work: the API comes from `npm start`.
		proxy: { "/api": { target: "http://127.0.0.1:8080", ws: true } },
	},
});
