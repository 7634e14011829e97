import { and, count, eq, gt, lte, min } from "drizzle-orm";
import type { Bindings } from "../domain/env";
import { loginFailures } from "../schema";
import { dbOf } from "./client";

/** Failed logins of one throttle key since `after`: how many, and when the oldest was. */
export async function failuresSince(env: Bindings, account: string, after: number) {
	const row = await dbOf(env)
		.select({ n: count(), first: min(loginFailures.at) })
		.from(loginFailures)
		.where(and(eq(loginFailures.account, account), gt(loginFailures.at, after)))
		.get();
	return { n: row?.n ?? 0, first: row?.first ?? null };
}

/** Records a failure and drops every failure at or before `expiredAt` (they count for no one any more). */
export async function recordFailure(env: Bindings, account: string, t: number, expiredAt: number): Promise<void> {
	const db = dbOf(env);
	await db.batch([
		db.insert(loginFailures).values({ account, at: t }),
		db.delete(loginFailures).where(lte(loginFailures.at, expiredAt)),
	]);
}

/** For the batch of a successful login: the account starts again with no failures. */
export const clearFailuresStatement = (env: Bindings, account: string) =>
	dbOf(env).delete(loginFailures).where(eq(loginFailures.account, account));
