import { CHECKPOINT_DELAY_MS, type Checkpoint } from "./checkpoint";
import type { HubDb } from "./db";
import type { SessionIndex } from "./session-index";
import { openStorage } from "./storage";

/**
 * What a new instance makes of its storage (run in blockConcurrencyWhile): its rows and who it
 * is, whether it can trust those rows or must rebuild them from the Conversations, and what to
 * do with an alarm its predecessor left.
 */
export async function startUp(
	storage: DurableObjectStorage,
	db: HubDb,
	index: SessionIndex,
	checkpoint: Checkpoint,
): Promise<void> {
	const { rows, meta } = await openStorage(storage, db);
	index.load(rows, meta.get("userId") ?? null);
	checkpoint.checkpointed = meta.has("checkpoint");
	checkpoint.dirtyMarked = meta.has("dirty");
	const trusted = checkpoint.checkpointed && !checkpoint.dirtyMarked && index.size >= checkpoint.min;
	index.needsHydration = index.size > 0 && !trusted;
	const alarm = await storage.getAlarm();
	if (alarm !== null && !checkpoint.checkpointed && !checkpoint.dirtyMarked) {
		// Set by the batched flush this hub used before checkpoints: the previous instance
		// may have ended with conversations it never wrote, so D1 lists them too. A checkpoint
		// alarm always comes with the dirty mark (Checkpoint.arm writes both), so the alarm of a
		// hub that died before its first checkpoint is not mistaken for this one and kept.
		index.legacyUnflushed = true;
		index.needsHydration = index.selfId !== null;
		await storage.deleteAlarm();
	} else if (checkpoint.dirtyMarked) {
		// The previous instance died with changes unwritten: rebuild, then checkpoint soon.
		checkpoint.alarmSet = true;
		if (alarm === null) await storage.setAlarm(Date.now() + CHECKPOINT_DELAY_MS);
	}
}
