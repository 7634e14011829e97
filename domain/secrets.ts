/**
 * The secrets a production deployment must have, each at least MIN_SECRET_BYTES long, set with
 * `wrangler secret put NAME --env production`. The one list both sides read: the Worker refuses
 * to sign with a missing or short one (workers/lib/secrets.ts: JWT_SECRET refuses every request,
 * the others the routes that use them), and `npm run deploy` (scripts/deploy.ts) refuses to
 * deploy while any of them is missing.
 */
export const REQUIRED_SECRETS = ["JWT_SECRET", "ADMIN_JWT_SECRET", "FILES_URL_SECRET"] as const;
export type RequiredSecret = (typeof REQUIRED_SECRETS)[number];

export const MIN_SECRET_BYTES = 32;
