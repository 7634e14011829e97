import { and, desc, eq, inArray, isNotNull, isNull, lte, ne, or, sql } from "drizzle-orm";
import type { FileType } from "../contracts/files";
import { privatePeers } from "../contracts/ids";
import type { Bindings } from "../domain/env";
import { extractFileIds } from "../domain/file-refs";
import { now } from "../domain/time";
import { fileShares, files, groupMembers, groups } from "../schema";
import { dbOf } from "./client";
import { countOf, fetchPage, type PageParams } from "./paging";

/**
 * The files aggregate's queries: file metadata (the bytes are in R2) and the shares that let a
 * conversation's members read a file. `status`: 2 processing, 1 active, 0 deleted.
 */

/** A file's row; `fileType` is one of FILE_TYPES (the only values ever inserted). */
export type FileRow = typeof files.$inferSelect & { fileType: FileType };

export const getFileRow = async (env: Bindings, fileId: string) =>
	(await dbOf(env).select().from(files).where(eq(files.id, fileId)).get()) as FileRow | undefined;

export async function insertFile(env: Bindings, row: FileRow): Promise<void> {
	await dbOf(env).insert(files).values(row);
}

/** Processing → active, only while still processing (a second completion changes nothing). False when it did not change. */
export async function activateFile(env: Bindings, fileId: string, t: number): Promise<boolean> {
	const res = await dbOf(env)
		.update(files)
		.set({ status: 1, updatedAt: t })
		.where(and(eq(files.id, fileId), eq(files.status, 2)))
		.run();
	return res.meta.changes > 0;
}

/** Marks the file deleted and drops its shares, in one batch. */
export async function markFileDeleted(env: Bindings, fileId: string, t: number): Promise<void> {
	const db = dbOf(env);
	await db.batch([
		db.update(files).set({ status: 0, updatedAt: t }).where(eq(files.id, fileId)),
		db.delete(fileShares).where(eq(fileShares.fileId, fileId)),
	]);
}

/** One page of the user's active files (optionally of one type), newest first, and their total. */
export async function activeFilesPage(env: Bindings, userId: string, fileType: string | undefined, p: PageParams) {
	const db = dbOf(env);
	const where = and(eq(files.userId, userId), eq(files.status, 1), fileType ? eq(files.fileType, fileType) : undefined);
	const rows = db.select().from(files).where(where).orderBy(desc(files.createdAt), desc(files.id));
	const page = await fetchPage(db, rows, countOf(db, files, where), p);
	return page as { rows: FileRow[]; total: number };
}

/**
 * Who may read a file: its owner, and every current member of a conversation in which a
 * message referenced it (recorded in file_shares by `recordFileReferences`).
 */
export async function canReadFile(env: Bindings, userId: string, file: Pick<FileRow, "id" | "userId">) {
	if (file.userId === userId) return true;
	const db = dbOf(env);
	const [privateShares, groupShare] = await db.batch([
		db
			.select({ conversationId: fileShares.conversationId })
			.from(fileShares)
			// drizzle's like() has no ESCAPE clause, and `_` must match literally here.
			.where(and(eq(fileShares.fileId, file.id), sql`${fileShares.conversationId} LIKE 'p\\_%' ESCAPE '\\'`)),
		db
			.select({ fileId: fileShares.fileId })
			.from(fileShares)
			.innerJoin(groupMembers, eq(groupMembers.groupId, fileShares.conversationId))
			.innerJoin(groups, eq(groups.id, groupMembers.groupId))
			.where(
				and(
					eq(fileShares.fileId, file.id),
					eq(groupMembers.userId, userId),
					isNull(groupMembers.leftAt),
					eq(groups.status, 1),
				),
			)
			.limit(1),
	]);
	if (groupShare.length > 0) return true;
	return privateShares.some((r) => privatePeers(r.conversationId)?.includes(userId) ?? false);
}

/**
 * Records that a message in `conversationId` referenced files, so the conversation's members
 * may read them. Only files the sender may read themselves are recorded (so knowing an ID is
 * not enough to share someone else's file), and only active or processing ones. Meant to be
 * called off the message ack path (e.g. `ctx.waitUntil`). Returns the IDs recorded.
 */
export async function recordFileReferences(
	env: Bindings,
	conversationId: string,
	content: string,
	senderId: string,
): Promise<string[]> {
	const ids = extractFileIds(content).slice(0, 20);
	if (ids.length === 0) return [];
	const db = dbOf(env);
	const rows = await db
		.select({ id: files.id, userId: files.userId })
		.from(files)
		.where(and(ne(files.status, 0), inArray(files.id, ids)));
	const allowed: string[] = [];
	for (const f of rows) if (await canReadFile(env, senderId, f)) allowed.push(f.id);
	if (allowed.length === 0) return [];
	const t = now();
	await db
		.insert(fileShares)
		.values(allowed.map((fileId) => ({ fileId, conversationId, createdAt: t })))
		.onConflictDoNothing();
	return allowed;
}

/** Up to `limit` files past their expiry, or uploads still processing since `abandonedBefore` or earlier. */
export const filesToClean = (env: Bindings, t: number, abandonedBefore: number, limit: number) =>
	dbOf(env)
		.select({ id: files.id, storageKey: files.storageKey })
		.from(files)
		.where(
			or(
				and(isNotNull(files.expiresAt), lte(files.expiresAt, t)),
				and(eq(files.status, 2), lte(files.createdAt, abandonedBefore)),
			),
		)
		.limit(limit);

/** D1 binds at most 100 parameters per statement. */
const IDS_PER_STATEMENT = 90;

/** Deletes the files' shares and rows, in one batch (all of them or none). */
export async function purgeFiles(env: Bindings, fileIds: string[]): Promise<void> {
	const db = dbOf(env);
	const statements = [];
	for (let i = 0; i < fileIds.length; i += IDS_PER_STATEMENT) {
		const chunk = fileIds.slice(i, i + IDS_PER_STATEMENT);
		statements.push(db.delete(fileShares).where(inArray(fileShares.fileId, chunk)));
		statements.push(db.delete(files).where(inArray(files.id, chunk)));
	}
	const [first, ...rest] = statements;
	if (first) await db.batch([first, ...rest]);
}
