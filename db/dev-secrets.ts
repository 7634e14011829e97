import { eq } from "drizzle-orm";
import { devSecrets } from "../schema";
import { dbOf } from "./client";

/**
 * The development secret `name`: the stored one, or `candidate` stored first. Concurrent first
 * uses race on the insert; every caller reads back the one row that won.
 */
export async function developmentSecret(env: { DB: D1Database }, name: string, candidate: string): Promise<string> {
	const db = dbOf(env);
	await db.insert(devSecrets).values({ name, value: candidate }).onConflictDoNothing();
	const row = await db.select({ value: devSecrets.value }).from(devSecrets).where(eq(devSecrets.name, name)).get();
	return row!.value;
}
