// Prints the plain "N passed, N failed" line CI reads, from vitest's JSON reports (one per suite:
// `node scripts/test-summary.mjs <status> <report.json>...`). A run that failed before vitest
// (typecheck, lint) or a suite that produced no report counts as one failure.
import { existsSync, readFileSync } from "node:fs";

const [statusArg, ...files] = process.argv.slice(2);
const status = Number(statusArg ?? 1);
let passed = 0;
let failed = 0;
let skipped = 0;
let missing = 0;
for (const file of files) {
	if (!existsSync(file)) {
		missing++;
		continue;
	}
	const report = JSON.parse(readFileSync(file, "utf8"));
	passed += report.numPassedTests ?? 0;
	// A file that failed to load has no failing test of its own: count it once.
	const brokenFiles = (report.testResults ?? []).filter(
		(f) => f.status === "failed" && !(f.assertionResults ?? []).some((a) => a.status === "failed"),
	).length;
	failed += (report.numFailedTests ?? 0) + brokenFiles;
	skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
if (missing && failed === 0) failed = 1;
if (status !== 0 && failed === 0) failed = 1;
if (passed + failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(status !== 0 || failed > 0 ? 1 : 0);
