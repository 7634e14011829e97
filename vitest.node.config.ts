import { defineConfig } from "vitest/config";

// Tests that need Node rather than workerd (the AsyncAPI parser, the buf binary): test/node/.
// They write their own JSON report so CI can count them next to the workerd suite.
export default defineConfig({
	test: {
		name: "node",
		include: ["test/node/**/*.test.ts"],
		environment: "node",
		testTimeout: 60_000,
		reporters: ["default", "json"],
		outputFile: { json: "test-results/vitest-node.json" },
	},
});
