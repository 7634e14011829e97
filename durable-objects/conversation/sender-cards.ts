import { nicknameAndAvatar } from "../../db/users";
import type { Bindings } from "../../domain/env";

/** Sender cards (nickname/avatar) are re-read from D1 at most this often per sender. */
const CARD_TTL_MS = 5 * 60 * 1000;

export type SenderCard = { nickname: string; avatar: string; at: number };

/** The nickname and avatar `message.new` carries, cached so a send reads D1 at most every CARD_TTL_MS. */
export class SenderCards {
	private readonly cards = new Map<string, SenderCard>();

	constructor(private readonly env: Bindings) {}

	/** Loaded before a send's synchronous part; kept by `keep` once the send stored something. */
	async fetch(userId: string): Promise<SenderCard> {
		const cached = this.cards.get(userId);
		if (cached && Date.now() - cached.at < CARD_TTL_MS) return cached;
		const row = await nicknameAndAvatar(this.env, userId);
		return { nickname: row?.nickname ?? "", avatar: row?.avatar ?? "", at: Date.now() };
	}

	keep(userId: string, card: SenderCard): void {
		this.cards.set(userId, card);
	}

	infoOf(userId: string): { userId: string; nickname: string; avatar: string } {
		const card = this.cards.get(userId);
		return { userId, nickname: card?.nickname ?? "", avatar: card?.avatar ?? "" };
	}
}
