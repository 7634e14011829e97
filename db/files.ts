import type { FileType } from "../contracts/files";
import { privatePeers } from "../contracts/ids";
import type { Bindings } from "../domain/env";
import { extractFileIds } from "../domain/file-refs";
import { now } from "../domain/time";

export interface FileRow {
	id: string;
	user_id: string;
	file_name: string;
	file_type: FileType;
	file_size: number;
	mime_type: string;
	storage_key: string;
	status: number;
	created_at: number;
	updated_at: number;
	expires_at: number | null;
}

export const getFileRow = (env: Bindings, fileId: string) =>
	env.DB.prepare("SELECT * FROM files WHERE id = ?").bind(fileId).first<FileRow>();

/** Whether `userId` belongs to the conversation (private: one of the pair; group: an active member of an active group). */
export async function isConversationMember(env: Bindings, userId: string, conversationId: string): Promise<boolean> {
	const peers = privatePeers(conversationId);
	if (peers) return peers.includes(userId);
	const row = await env.DB.prepare(
		`SELECT 1 AS ok FROM group_members m JOIN groups g ON g.id = m.group_id
		  WHERE m.group_id = ? AND m.user_id = ? AND m.left_at IS NULL AND g.status = 1`,
	)
		.bind(conversationId, userId)
		.first();
	return row !== null;
}

/**
 * Who may read a file: its owner, and every current member of a conversation in which a
 * message referenced it (recorded in file_shares by `recordFileReferences`).
 */
export async function canReadFile(env: Bindings, userId: string, file: Pick<FileRow, "id" | "user_id">) {
	if (file.user_id === userId) return true;
	const db = env.DB;
	const [privateShares, groupShare] = await db.batch<{ conversation_id?: string; ok?: number }>([
		db
			.prepare("SELECT conversation_id FROM file_shares WHERE file_id = ? AND conversation_id LIKE 'p\\_%' ESCAPE '\\'")
			.bind(file.id),
		db
			.prepare(
				`SELECT 1 AS ok FROM file_shares s
				   JOIN group_members m ON m.group_id = s.conversation_id
				   JOIN groups g ON g.id = m.group_id
				  WHERE s.file_id = ? AND m.user_id = ? AND m.left_at IS NULL AND g.status = 1 LIMIT 1`,
			)
			.bind(file.id, userId),
	]);
	if (groupShare!.results.length > 0) return true;
	return privateShares!.results.some((r) => privatePeers(r.conversation_id ?? "")?.includes(userId) ?? false);
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
	const rows = await env.DB.prepare(
		`SELECT id, user_id FROM files WHERE status != 0 AND id IN (${ids.map(() => "?").join(",")})`,
	)
		.bind(...ids)
		.all<Pick<FileRow, "id" | "user_id">>();
	const allowed: string[] = [];
	for (const f of rows.results) if (await canReadFile(env, senderId, f)) allowed.push(f.id);
	if (allowed.length === 0) return [];
	const t = now();
	await env.DB.batch(
		allowed.map((id) =>
			env.DB.prepare("INSERT OR IGNORE INTO file_shares (file_id, conversation_id, created_at) VALUES (?, ?, ?)").bind(
				id,
				conversationId,
				t,
			),
		),
	);
	return allowed;
}
