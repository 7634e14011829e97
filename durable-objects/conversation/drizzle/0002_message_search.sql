-- Hand-written (drizzle-kit cannot express a virtual table): the full-text index of the messages'
-- text, rowid = the message's seq, written by search-index.ts in the commit of the message. body:
-- latin words as they are, CJK runs as overlapping character pairs; chars: the single CJK
-- characters (see search-text.ts). Contentless: the text is in `messages` already.
CREATE VIRTUAL TABLE `message_search` USING fts5(`body`, `chars`, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
--> statement-breakpoint
-- Messages stored before this migration are indexed after it, in bounded steps (search-index.ts).
INSERT OR REPLACE INTO `bookkeeping` (`key`, `value`) SELECT 'search_backfill_end', COALESCE(MAX(`seq`), 0) FROM `messages`;
