-- Hand-written (data only): the full-text index is no longer written in each message's commit but
-- in batches behind one watermark, `search_indexed`: every message with seq <= it is indexed, the
-- rest is indexed before any search answers (search-index.ts). Until now every message after
-- `search_backfill_end` was indexed in its own commit, so a fully backfilled object is indexed up
-- to its last message; one still backfilling starts over from an empty index (no duplicate rows).
INSERT OR REPLACE INTO `bookkeeping` (`key`, `value`) SELECT 'search_indexed', CASE WHEN COALESCE((SELECT `value` FROM `bookkeeping` WHERE `key` = 'search_backfilled'), 0) >= COALESCE((SELECT `value` FROM `bookkeeping` WHERE `key` = 'search_backfill_end'), 0) THEN COALESCE(MAX(`seq`), 0) ELSE 0 END FROM `messages`;
--> statement-breakpoint
INSERT INTO `message_search` (`message_search`) SELECT 'delete-all' WHERE (SELECT `value` FROM `bookkeeping` WHERE `key` = 'search_indexed') = 0;
--> statement-breakpoint
DELETE FROM `bookkeeping` WHERE `key` IN ('search_backfill_end', 'search_backfilled');
