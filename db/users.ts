import type { Bindings } from "../domain/env";

/** The nickname and avatar of one user (a message's sender card), or null for an unknown ID. */
export const nicknameAndAvatar = (env: Bindings, userId: string) =>
	env.DB.prepare("SELECT nickname, avatar FROM users WHERE id = ?")
		.bind(userId)
		.first<{ nickname: string; avatar: string }>();
