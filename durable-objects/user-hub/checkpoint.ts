import type { SessionRow } from "../../domain/session-rows";
import type { HubDb } from "./db";
import { markCheckpointed, markDirty, writeRow } from "./storage";

/** A hub that keeps a checkpoint writes its changed rows at most this long after the first change. */
export const CHECKPOINT_DELAY_MS = 10_000;

/**
 * Checkpoint (hubs with at least `hubCheckpointSessions` conversations, where rebuilding the
 * list from every Conversation after a restart would cost a round of that many RPCs): rows whose
 * memory differs from storage, whether storage says so (`dirty` in hub_meta, written with the
 * first change), and whether the alarm that writes them is set. A restarted hub trusts its
 * stored rows only if its last checkpoint left no `dirty` mark.
 */
export class Checkpoint {
	readonly dirty = new Set<string>();
	dirtyMarked = false;
	alarmSet = false;
	checkpointed = false;

	constructor(
		private readonly storage: DurableObjectStorage,
		private readonly db: HubDb,
		/** `hubCheckpointSessions`: smaller hubs keep no checkpoint. */
		readonly min: number,
	) {}

	/**
	 * A row changed in memory only. A hub large enough to keep a checkpoint marks itself dirty
	 * (one write, with the alarm, the first time after a checkpoint) so that a restart before the
	 * checkpoint knows to rebuild; smaller hubs always rebuild after a restart and write nothing.
	 */
	arm(rows: ReadonlyMap<string, SessionRow>): void {
		if (!this.dirty.size || rows.size < this.min) return;
		if (!this.dirtyMarked) {
			this.dirtyMarked = true;
			markDirty(this.db);
		}
		if (!this.alarmSet) {
			this.alarmSet = true;
			void this.storage.setAlarm(Date.now() + CHECKPOINT_DELAY_MS);
		}
	}

	/** Every changed row and the end of the dirty mark, in one commit. */
	write(rows: ReadonlyMap<string, SessionRow>): void {
		if (rows.size < this.min || (!this.dirty.size && !this.dirtyMarked && this.checkpointed)) return;
		this.storage.transactionSync(() => {
			for (const id of this.dirty) {
				const row = rows.get(id);
				if (row) writeRow(this.db, row);
			}
			markCheckpointed(this.db);
		});
		this.dirty.clear();
		this.dirtyMarked = false;
		this.checkpointed = true;
	}
}
