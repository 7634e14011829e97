/**
 * No secret in the bundle or the repository. Builds exactly what `wrangler deploy` would
 * upload (the console build plus `wrangler deploy --dry-run --outdir dist/worker`, and the same for
 * `--env production`, what `npm run deploy` uploads) and scans it for the development
 * secrets (values of secret-named keys in .dev.vars.example and, if present, .dev.vars; the
 * spec's development admin password and upstream's default admin secret) and for anything
 * shaped like a credential. The tracked files of the repository are scanned for the
 * credential shapes and for a committed .dev.vars. Run by `npm test` (`npm run check:bundle`).
 *
 * The scanner first proves on planted samples that it finds each kind, so it cannot pass by
 * finding nothing.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;
/** What the Worker bundle is written to, and the console's static assets that deploy uploads beside it. */
const DIST = join(ROOT, "dist", "worker");
const DIST_PRODUCTION = join(ROOT, "dist", "worker-production");
const ASSETS = join(ROOT, "dist", "console");

/**
 * Literals that may appear in the bundle only when unavoidable: each one allowed here is
 * printed as a warning on every run. Keep it empty.
 */
const ALLOWED_IN_BUNDLE: string[] = [];

interface Rule {
	why: string;
	test: (text: string) => number;
}

const literal = (value: string, why: string): Rule => ({ why, test: (t) => t.indexOf(value) });
const pattern = (re: RegExp, why: string): Rule => ({ why, test: (t) => t.search(re) });

/** Credential shapes: wrong in the bundle and in the repository. */
const SHAPES: Rule[] = [
	// The header alone is no key (jose's PKCS#8 importer checks for it): a key is the header and its base64 body.
	pattern(/-----BEGIN [A-Z ]*PRIVATE KEY-----(?:\s|\\n)*[A-Za-z0-9+/=]{40}/, "a PEM private key"),
	pattern(/\bAKIA[0-9A-Z]{16}\b/, "an AWS access key ID"),
	pattern(/\b[sr]k_live_[0-9a-zA-Z]{16,}/, "a Stripe live key"),
	pattern(/\bgh[pousr]_[A-Za-z0-9]{36,}/, "a GitHub token"),
	pattern(/\bxox[abprs]-[A-Za-z0-9-]{10,}/, "a Slack token"),
	pattern(/\bAIza[0-9A-Za-z_-]{35}\b/, "a Google API key"),
	pattern(/\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,}/, "a signed JWT"),
	pattern(
		/\b[A-Z_]*(?:SECRET|PASSWORD|PRIVATE_KEY|API_KEY|ACCESS_KEY|AUTH_TOKEN)[A-Z_]*["']?\s*[:=]\s*["'][^"'\s$]{12,}["']/,
		"a secret-named setting assigned a literal",
	),
];
const SECRET_NAMED = "a secret-named setting assigned a literal";

const SECRET_KEY = /SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL|API_KEY|ACCESS_KEY/i;

/** Values of secret-named keys in a dotenv-style file, commented-out examples included. */
function secretValues(file: string): { key: string; value: string }[] {
	if (!existsSync(file)) return [];
	const found: { key: string; value: string }[] = [];
	for (const line of readFileSync(file, "utf8").split("\n")) {
		const m = /^\s*#?\s*([A-Z][A-Z0-9_]*)\s*=\s*("?)(.*?)\2\s*(?:#.*)?$/.exec(line);
		// `<…>` is a placeholder, and durations (`*_TTL`) are not secrets whatever their names say.
		if (m && SECRET_KEY.test(m[1]!) && !/_TTL$/.test(m[1]!) && !/^<.*>$/.test(m[3]!) && m[3]!.length >= 6)
			found.push({ key: m[1]!, value: m[3]! });
	}
	return found;
}

function bundleRules(): Rule[] {
	const rules = [
		literal("Admin@123456", "the development admin password (admin.md seeded account)"),
		literal("admin-secret-change-in-production", "upstream's default admin JWT secret"),
		...SHAPES,
	];
	for (const file of [".dev.vars.example", ".dev.vars"])
		for (const { key, value } of secretValues(join(ROOT, file))) rules.push(literal(value, `${key} from ${file}`));
	return rules.filter((r) => !ALLOWED_IN_BUNDLE.some((a) => r.why.includes(a) || r.test(a) >= 0));
}

function scan(name: string, text: string, rules: Rule[]): string[] {
	const hits: string[] = [];
	for (const rule of rules) {
		const at = rule.test(text);
		if (at >= 0) hits.push(`${name}@${at}: ${rule.why}`);
	}
	return hits;
}

function filesUnder(dir: string): string[] {
	return readdirSync(dir).flatMap((entry) => {
		const path = join(dir, entry);
		return statSync(path).isDirectory() ? filesUnder(path) : [path];
	});
}

function selfTest(rules: Rule[]) {
	const samples: Record<string, string> = {
		"the development admin password (admin.md seeded account)": 'password:"Admin@123456"',
		"a PEM private key": `-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEA${"x".repeat(40)}`,
		"an AWS access key ID": "AKIAABCDEFGHIJKLMNOP",
		"a GitHub token": `ghp_${"a".repeat(36)}`,
		"a signed JWT": `eyJhbGciOiJIUzI1NiJ9.eyJ1c2VySWQiOiJ4In0.${"s".repeat(43)}`,
		"a secret-named setting assigned a literal": 'const JWT_SECRET = "abcdefghijklmnop"',
	};
	for (const { key, value } of secretValues(join(ROOT, ".dev.vars.example")))
		samples[`${key} from .dev.vars.example`] = `x${value}x`;
	const missed = Object.entries(samples)
		.filter(
			([why, text]) => rules.some((r) => r.why === why) && !scan("sample", text, rules).some((h) => h.endsWith(why)),
		)
		.map(([why]) => why);
	if (missed.length) throw new Error(`scanner self-test: planted ${missed.join(", ")} not found`);
	if (!rules.some((r) => r.why.endsWith("from .dev.vars.example")))
		throw new Error("scanner self-test: no secret value read from .dev.vars.example");
	const clean = scan("clean", 'const password = c.req.valid("json").password; JWT_SECRET?: string;', rules);
	if (clean.length) throw new Error(`scanner self-test: false positive ${clean.join(", ")}`);
	return Object.keys(samples).length;
}

const rules = bundleRules();
const planted = selfTest(rules);

// The assets directory must exist for wrangler, and its files are uploaded too, so they are scanned.
execFileSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--env=", "--outdir", DIST], {
	cwd: ROOT,
	stdio: ["ignore", "ignore", "inherit"],
	env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
});
// What `npm run deploy` uploads: the production environment must bundle too (its bindings are
// its own; a missing or misspelled one fails here, not at the first deploy). Scanned like the rest.
execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--env", "production", "--outdir", DIST_PRODUCTION], {
	cwd: ROOT,
	stdio: ["ignore", "ignore", "inherit"],
	env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
});
const bundle = [...filesUnder(DIST), ...filesUnder(DIST_PRODUCTION), ...filesUnder(ASSETS)];
if (!bundle.some((f) => f.endsWith(".js"))) throw new Error("wrangler produced no JavaScript in dist/");
const findings = bundle.flatMap((f) => scan(relative(ROOT, f), readFileSync(f, "utf8"), rules));

const tracked = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
if (tracked.some((f) => f === ".dev.vars" || f.endsWith("/.dev.vars")))
	findings.push(".dev.vars is committed: it holds local secrets and must stay git-ignored");
const skip = new Set(["scripts/check-bundle.ts", "package-lock.json"]);
// The documented development admin password may be written down by the local tooling that
// supplies it (start script, test config and fixtures) — it is a published default, not a
// secret — but never in the bundle (the bundle rule above has no such exception).
const DEV_ADMIN_PASSWORD = "Admin@123456";
for (const file of tracked) {
	if (skip.has(file) || !existsSync(join(ROOT, file))) continue;
	const text = readFileSync(join(ROOT, file), "utf8").replaceAll(`"${DEV_ADMIN_PASSWORD}"`, '""');
	// Tests and the benchmark hold made-up passwords on purpose; every other credential shape still applies to them.
	const rules = /^(test|e2e|bench)\//.test(file) ? SHAPES.filter((r) => r.why !== SECRET_NAMED) : SHAPES;
	findings.push(...scan(file, text, rules));
}

for (const a of ALLOWED_IN_BUNDLE) console.warn(`check:bundle: WARNING: "${a.slice(0, 3)}…" is allowed in the bundle`);
if (findings.length) {
	console.error(`check:bundle: secrets found:\n  ${findings.join("\n  ")}`);
	process.exit(1);
}
console.log(
	`check:bundle: ${bundle.length} bundle files and ${tracked.length} tracked files clean (${rules.length} rules, ${planted} planted samples found)`,
);
