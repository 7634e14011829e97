/**
 * The layers of the product (README, "Architecture"), checked by `npm test` (`npm run check:deps`):
 *   workers/routes → workers/services → db/ (repositories over schema/) | platform/ (object stubs, queue)
 *   durable-objects/ → db/, platform/, domain/, contracts/   (never workers/)
 *   domain/ and contracts/ are neutral: they import only each other (domain → contracts) and packages.
 * No import cycles anywhere, type-only imports included.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
	forbidden: [
		{
			name: "no-circular",
			severity: "error",
			comment: "Modules import each other in a loop (type-only imports count too).",
			from: {},
			to: { circular: true },
		},
		{
			name: "objects-import-nothing-from-workers",
			severity: "error",
			comment:
				"Durable Objects trust the identity the Worker passes; they share code through domain/, db/, platform/, contracts/.",
			from: { path: "^durable-objects/" },
			to: { path: "^workers/" },
		},
		{
			name: "domain-is-neutral",
			severity: "error",
			comment: "domain/ holds types and pure functions both sides need: it imports contracts/ and packages only.",
			from: { path: "^domain/" },
			to: { path: "^(workers|durable-objects|db|platform|schema|client|console)/" },
		},
		{
			name: "contracts-are-self-contained",
			severity: "error",
			comment: "The wire contract depends on nothing of the server.",
			from: { path: "^contracts/" },
			to: { path: "^(workers|durable-objects|db|platform|domain|schema|client|console)/" },
		},
		{
			name: "schema-is-self-contained",
			severity: "error",
			from: { path: "^schema/" },
			to: { path: "^(workers|durable-objects|db|platform|domain|contracts|client|console)/" },
		},
		{
			name: "repositories-below-services",
			severity: "error",
			comment: "db/ holds the queries: it knows the schema, the domain and the contract, never who calls it.",
			from: { path: "^db/" },
			to: { path: "^(workers|durable-objects|platform|client|console)/" },
		},
		{
			name: "platform-below-services",
			severity: "error",
			comment: "platform/ addresses objects and queues; it calls repositories but no Worker code and no object code.",
			from: { path: "^platform/" },
			to: { path: "^(workers|durable-objects|client|console)/" },
			// Stubs are typed by the object classes they address (type-only, erased at build).
			// dependencyTypesNot excludes those: a type import of an object class is no layering edge.
		},
		{
			name: "routes-go-through-services",
			severity: "error",
			comment: "Route handlers parse, call a service and answer; queries live in db/ behind a service.",
			from: { path: "^workers/routes/" },
			to: { path: "^(db|schema)/" },
		},
		{
			name: "services-below-routes",
			severity: "error",
			from: { path: "^workers/(services|lib|push)/" },
			to: { path: "^workers/routes/" },
		},
		{
			name: "client-is-a-library",
			severity: "error",
			comment: "The TS client runs in browsers and other runtimes: it may use the contract, nothing of the server.",
			from: { path: "^(client|console)/" },
			to: { path: "^(workers|durable-objects|db|platform|schema)/" },
		},
	],
	options: {
		doNotFollow: { path: "node_modules" },
		exclude: { path: "^(node_modules|dist|\\.wrangler|test-results)/" },
		tsPreCompilationDeps: true,
		// TypeScript 7 has no compiler API yet; swc parses TypeScript (type-only imports included).
		parser: "swc",
		tsConfig: { fileName: "tsconfig.json" },
		enhancedResolveOptions: { extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json"] },
	},
};
