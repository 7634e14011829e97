/**
 * What the full-text index (search-index.ts, FTS5 with the unicode61 tokenizer) stores for a
 * message and how a keyword becomes an FTS5 query, one rule for both sides.
 *
 * unicode61 splits on anything that is not a letter or a number, so latin text is indexed as it
 * is: words, case-folded and without diacritics. Chinese and Japanese are written without spaces,
 * and unicode61 would make a whole run one token: a run is therefore written as its overlapping
 * character pairs (`大家你好呀` → `大家 家你 你好 好呀`), since most Chinese words are two
 * characters, and its single characters go to a second column so a one-character keyword is found
 * too. A keyword becomes the same tokens, searched as one phrase: its words in that order.
 */

/** Scripts written without spaces between words (the Katakana prolonged sound mark is Common script). */
const CJK = "\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}\\u30fc";
const CJK_RUN = new RegExp(`[${CJK}]+`, "gu");
const CJK_CHAR = new RegExp(`^[${CJK}]$`, "u");
const CJK_START = new RegExp(`^[${CJK}]`, "u");
/** unicode61's token characters (its default categories L*, N* and Co). */
const TOKEN = /[\p{L}\p{N}\p{Co}]+/gu;
/** Control characters separate words anyway; a NUL would end the FTS5 query string early (a syntax error). */
const CONTROL = /\p{Cc}/gu;

const normalised = (text: string) => text.normalize("NFKC").replace(CONTROL, " ");

/** Runs of one character stay themselves: they are their own "pair". */
function pairsOf(run: string): string[] {
	const chars = [...run];
	if (chars.length === 1) return chars;
	return chars.slice(1).map((c, i) => chars[i] + c);
}

/** The columns a text message is indexed with (NFKC first, so full-width latin is plain latin). */
export function indexedColumns(text: string): { body: string; chars: string } {
	const singles = new Set<string>();
	const body = normalised(text).replace(CJK_RUN, (run) => {
		const chars = [...run];
		if (chars.length > 1) for (const c of chars) singles.add(c);
		return ` ${pairsOf(run).join(" ")} `;
	});
	return { body, chars: [...singles].join(" ") };
}

/**
 * The FTS5 query of a keyword, or null when it has nothing to search for (only punctuation,
 * spaces or symbols). The keyword is one quoted string with its quotes doubled, so FTS5 syntax
 * in it (`AND`, `*`, `-`, `(`, `:` ...) is text, never an operator. A keyword ending in a latin
 * word matches that word as a prefix (`hel` finds `Hello`); a keyword of one CJK character also
 * searches the single characters.
 */
export function matchExpression(keyword: string): string | null {
	const phrase = normalised(keyword).replace(CJK_RUN, (run) => ` ${pairsOf(run).join(" ")} `);
	const tokens = phrase.match(TOKEN);
	if (!tokens) return null;
	const quoted = `"${phrase.replaceAll('"', '""')}"`;
	const last = tokens[tokens.length - 1]!;
	if (tokens.length === 1 && CJK_CHAR.test(last)) return quoted;
	return `body : ${quoted}${CJK_START.test(last) ? "" : " *"}`;
}
