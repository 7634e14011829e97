import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import migrations from "../durable-objects/conversation/drizzle/migrations";
import { INDEX_BATCH } from "../durable-objects/conversation/search-index";
import { call, fails, ok } from "./fixtures/api";
import { makeFriends, makeGroup } from "./fixtures/social";
import { registerUser, type TestUser } from "./fixtures/users";

const conv = (id: string) => env.CONVERSATION.getByName(`conv:${id}`);

/** Sends a message over HTTP; returns its ack. */
async function send(
	from: TestUser,
	conversationId: string,
	content: string,
	opts: { group?: boolean; contentType?: string } = {},
) {
	return ok("POST", "/messages", {
		token: from.token,
		body: {
			conversationId,
			conversationType: opts.group ? "group" : "private",
			contentType: opts.contentType ?? "text",
			content,
		},
	});
}

const text = (t: string) => JSON.stringify({ text: t });

/** GET /messages/search as `user` with these query fields; returns data. */
function search(user: TestUser, query: Record<string, string | number>) {
	const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
	return ok("GET", `/messages/search?${qs}`, { token: user.token });
}

const contents = (found: { list: { content: string }[] }) => found.list.map((m) => m.content);

/** A private chat between two fresh users. */
async function pair() {
	const [alice, bob] = await Promise.all([registerUser(), registerUser()]);
	return { alice, bob, ab: await makeFriends(alice, bob) };
}

describe("GET /messages/search", () => {
	it("finds English words case-insensitively, the last word also as a prefix, several words as a phrase", async () => {
		const { alice, bob, ab } = await pair();
		await send(alice, ab, "Hello World from the Edge");
		await send(bob, ab, text("nothing to see"));
		await send(bob, ab, text("Café au lait"));
		const q = (keyword: string) => search(bob, { keyword, conversationId: ab }).then(contents);
		expect(await q("hello")).toEqual(["Hello World from the Edge"]);
		expect(await q("WORLD")).toEqual(["Hello World from the Edge"]);
		expect(await q("hel")).toEqual(["Hello World from the Edge"]);
		expect(await q("world FROM")).toEqual(["Hello World from the Edge"]);
		expect(await q("from world")).toEqual([]);
		expect(await q("orld")).toEqual([]);
		// Diacritics are ignored both ways; the JSON text content is what is searched, not its keys.
		expect(await q("cafe")).toEqual([text("Café au lait")]);
		expect(await q("text")).toEqual([]);
		const found = await search(alice, { keyword: "edge" });
		expect(found.total).toBe(1);
		expect(found.list[0]).toMatchObject({
			conversationId: ab,
			conversationType: "private",
			senderId: alice.userId,
			contentType: "text",
			sequence: 1,
			status: 0,
		});
	});

	it("finds Chinese keywords of two characters inside a run, and of one character", async () => {
		const { alice, bob, ab } = await pair();
		await send(alice, ab, text("大家你好呀"));
		await send(alice, ab, "我们明天见，OK？");
		await send(alice, ab, "日本語のテキスト");
		const q = (keyword: string) => search(bob, { keyword, conversationId: ab }).then(contents);
		expect(await q("你好")).toEqual([text("大家你好呀")]);
		expect(await q("家你好")).toEqual([text("大家你好呀")]);
		expect(await q("好")).toEqual([text("大家你好呀")]);
		expect(await q("大家你好呀")).toEqual([text("大家你好呀")]);
		expect(await q("你们")).toEqual([]);
		expect(await q("明天")).toEqual(["我们明天见，OK？"]);
		expect(await q("明天见 ok")).toEqual(["我们明天见，OK？"]);
		expect(await q("见")).toEqual(["我们明天见，OK？"]);
		expect(await q("テキスト")).toEqual(["日本語のテキスト"]);
		expect(await q("日本")).toEqual(["日本語のテキスト"]);
	});

	it("answers newest first, pages with limit and offset, and counts every match in total", async () => {
		const { alice, bob, ab } = await pair();
		for (let i = 1; i <= 5; i++) await send(i % 2 ? alice : bob, ab, `apple number ${i}`);
		await send(alice, ab, "pear");
		const all = await search(alice, { keyword: "apple", conversationId: ab });
		expect(all.total).toBe(5);
		expect(all.list.map((m: any) => m.sequence)).toEqual([5, 4, 3, 2, 1]);
		const page = await search(alice, { keyword: "apple", conversationId: ab, limit: 2, offset: 1 });
		expect(page).toMatchObject({ total: 5 });
		expect(contents(page)).toEqual(["apple number 4", "apple number 3"]);
		const past = await search(alice, { keyword: "apple", conversationId: ab, offset: 5 });
		expect(past).toEqual({ list: [], total: 5 });
		// Across conversations the same order and paging apply.
		const everywhere = await search(alice, { keyword: "apple", limit: 2, offset: 2 });
		expect(everywhere.total).toBe(5);
		expect(contents(everywhere)).toEqual(["apple number 3", "apple number 2"]);
	});

	it("filters by contentType (names and integer aliases); only text content is indexed", async () => {
		const { alice, bob, ab } = await pair();
		await send(alice, ab, text("kiwi salad"));
		await send(alice, ab, JSON.stringify({ url: "https://example.com/kiwi.png", text: "kiwi" }), {
			contentType: "image",
		});
		expect(contents(await search(bob, { keyword: "kiwi", contentType: "text" }))).toEqual([text("kiwi salad")]);
		expect(contents(await search(bob, { keyword: "kiwi", contentType: "1" }))).toEqual([text("kiwi salad")]);
		expect(await search(bob, { keyword: "kiwi", contentType: "image" })).toEqual({ list: [], total: 0 });
		expect((await search(bob, { keyword: "kiwi", contentType: "" })).total).toBe(1);
		const bad = await fails("GET", "/messages/search?keyword=kiwi&contentType=sticker", 400, 400, {
			token: bob.token,
		});
		expect(bad.body.message).toMatch(/contentType/);
	});

	it("searches one conversation with conversationId and all of the caller's without it, never anyone else's", async () => {
		const { alice, bob, ab } = await pair();
		const carol = await registerUser();
		const g = (await makeGroup(alice, [carol])).groupId;
		await send(alice, ab, "banana split");
		await send(carol, g, "banana bread", { group: true });
		// Dave and Erin's chat says banana too; no one else may see it.
		const [dave, erin] = await Promise.all([registerUser(), registerUser()]);
		const de = await makeFriends(dave, erin);
		await send(dave, de, "banana secret");

		expect(contents(await search(alice, { keyword: "banana", conversationId: ab }))).toEqual(["banana split"]);
		expect(contents(await search(alice, { keyword: "banana", conversationId: g }))).toEqual(["banana bread"]);
		const mine = await search(alice, { keyword: "banana" });
		expect(mine.total).toBe(2);
		expect(contents(mine)).toEqual(["banana bread", "banana split"]);
		expect(mine.list.map((m: any) => m.conversationId)).toEqual([g, ab]);
		expect(contents(await search(bob, { keyword: "banana" }))).toEqual(["banana split"]);
		expect(contents(await search(carol, { keyword: "banana" }))).toEqual(["banana bread"]);
		expect(contents(await search(dave, { keyword: "banana" }))).toEqual(["banana secret"]);
		// A group member who left finds nothing of it any more.
		await ok("POST", `/groups/${g}/quit`, { token: carol.token });
		expect(await search(carol, { keyword: "banana" })).toEqual({ list: [], total: 0 });
	});

	it("refuses a conversation the caller is not in with 403 and none of its text", async () => {
		const { alice, ab } = await pair();
		const [stranger, member] = await Promise.all([registerUser(), registerUser()]);
		const g = (await makeGroup(alice, [member])).groupId;
		await send(alice, ab, "mango private");
		await send(alice, g, "mango group", { group: true });
		const qs = (id: string) => `/messages/search?keyword=mango&conversationId=${encodeURIComponent(id)}`;
		const p = await fails("GET", qs(ab), 403, 403, { token: stranger.token });
		const gr = await fails("GET", qs(g), 403, 40105, { token: stranger.token });
		for (const res of [p, gr]) expect(JSON.stringify(res.body)).not.toContain("mango ");
		expect((await call("GET", qs(ab))).status).toBe(401);
	});

	it("never returns a recalled message, and removes it from the index", async () => {
		const { alice, bob, ab } = await pair();
		const indexedRows = () =>
			runInDurableObject(conv(ab), (_o, state) =>
				state.storage.sql.exec("SELECT rowid FROM message_search WHERE message_search MATCH 'cherry'").toArray(),
			);
		// Recalled once indexed (the search indexes both), and recalled before it was indexed.
		const first = await send(alice, ab, "cherry pie");
		await send(alice, ab, "cherry tart");
		expect((await search(bob, { keyword: "cherry" })).total).toBe(2);
		await ok("POST", `/messages/${first.messageId}/recall`, { token: alice.token });
		const third = await send(bob, ab, "cherry cake");
		await ok("POST", `/messages/${third.messageId}/recall`, { token: bob.token });
		for (const user of [alice, bob]) {
			const found = await search(user, { keyword: "cherry" });
			expect(found.total).toBe(1);
			expect(contents(found)).toEqual(["cherry tart"]);
		}
		expect(await indexedRows()).toEqual([{ rowid: 2 }]);
	});

	it("indexes in batches behind a durable watermark: after a full batch, by the alarm, and before a search", async () => {
		const { alice, bob, ab } = await pair();
		const watermark = () =>
			runInDurableObject(
				conv(ab),
				(_o, state) => state.storage.sql.exec("SELECT value FROM bookkeeping WHERE key = 'search_indexed'").one().value,
			);
		// One short of a batch: nothing indexed yet, and a search still finds the last one.
		for (let i = 1; i < INDEX_BATCH; i++) await send(alice, ab, `kiwi ${i}`);
		expect(await watermark()).toBe(0);
		await runDurableObjectAlarm(conv(ab));
		expect(await watermark()).toBe(INDEX_BATCH - 1);
		// A full batch is indexed after the send that completes it, with no search asking.
		for (let i = 0; i < INDEX_BATCH; i++) await send(bob, ab, `lime ${i}`);
		await vi.waitFor(async () => expect(await watermark()).toBe(2 * INDEX_BATCH - 1), { timeout: 5_000, interval: 20 });
		await send(bob, ab, "kiwi last");
		expect(await watermark()).toBe(2 * INDEX_BATCH - 1);
		const found = await search(alice, { keyword: "kiwi", limit: 2 });
		expect(found.total).toBe(INDEX_BATCH);
		expect(contents(found)).toEqual(["kiwi last", `kiwi ${INDEX_BATCH - 1}`]);
		expect(await watermark()).toBe(2 * INDEX_BATCH);
		// After a restart the watermark and the rows it covers are there; nothing is indexed twice.
		await evictDurableObject(conv(ab));
		expect((await search(bob, { keyword: "lime" })).total).toBe(INDEX_BATCH);
		expect((await search(bob, { keyword: "kiwi" })).total).toBe(INDEX_BATCH);
	});

	it("leaves out what the caller deleted for themselves; the other member still finds it", async () => {
		const { alice, bob, ab } = await pair();
		const sent = await send(alice, ab, "plum jam");
		await send(alice, ab, "plum cake");
		await ok("DELETE", `/messages/${sent.messageId}`, { token: bob.token });
		const bobs = await search(bob, { keyword: "plum", conversationId: ab });
		expect({ total: bobs.total, list: contents(bobs) }).toEqual({ total: 1, list: ["plum cake"] });
		const alices = await search(alice, { keyword: "plum" });
		expect({ total: alices.total, list: contents(alices) }).toEqual({ total: 2, list: ["plum cake", "plum jam"] });
	});

	it("answers 400 naming the field for a bad keyword, limit or offset", async () => {
		const { alice } = await pair();
		const cases: [string, RegExp][] = [
			["", /keyword is required/],
			["keyword=", /keyword must not be empty/],
			["keyword=%20%20", /keyword must not be empty/],
			[`keyword=${"长".repeat(101)}`, /keyword must be at most 100 characters/],
			["keyword=a&limit=0", /limit must be at least 1/],
			["keyword=a&limit=101", /limit must be at most 100/],
			["keyword=a&limit=ten", /limit must be an integer/],
			["keyword=a&offset=-1", /offset must be at least 0/],
			["keyword=a&offset=1001", /offset must be at most 1000/],
			[`keyword=a&conversationId=${"x".repeat(129)}`, /conversationId is too long/],
		];
		for (const [qs, message] of cases) {
			const res = await fails("GET", `/messages/search?${qs}`, 400, 400, { token: alice.token });
			expect(res.body.message, qs).toMatch(message);
		}
		expect(await search(alice, { keyword: "长".repeat(100) })).toEqual({ list: [], total: 0 });
	});

	it("takes FTS query syntax in a keyword as text: never an error", async () => {
		const { alice, bob, ab } = await pair();
		await send(alice, ab, 'say "quoted" AND (parens) - minus * star NEAR col:on ^caret');
		const keywords = [
			'"',
			'""',
			"*",
			"AND",
			"OR",
			"NOT",
			"-",
			"(",
			")",
			"a OR b",
			"NEAR(a b)",
			"body:x",
			"chars : y",
			"^",
			"'",
			"{body}",
			"+",
			"-minus",
			"🙂",
			"\\",
			"%",
			"--",
			'"quoted',
			"a\u0000b",
			"\u0000",
			"\u0301",
			"e\u0301",
			"ー",
			"〇",
			"\ue000",
			"ﷺ",
		];
		for (const keyword of keywords) {
			const res = await call("GET", `/messages/search?${new URLSearchParams({ keyword })}`, { token: bob.token });
			expect({ keyword, status: res.status, code: res.body.code }).toEqual({ keyword, status: 200, code: 0 });
		}
		const q = (keyword: string) => search(bob, { keyword, conversationId: ab }).then((f) => f.total);
		expect(await q('"quoted"')).toBe(1);
		expect(await q("AND (parens)")).toBe(1);
		expect(await q("col:on")).toBe(1);
		expect(await q("🙂")).toBe(0);
		expect(await q("*")).toBe(0);
	});

	it("still finds everything after the Conversation restarts, and indexes messages stored before the index", async () => {
		const { alice, bob, ab } = await pair();
		await send(alice, ab, "grape one");
		await send(bob, ab, "葡萄 two");
		await evictDurableObject(conv(ab));
		expect(contents(await search(bob, { keyword: "grape" }))).toEqual(["grape one"]);

		// The object as it was before migration 0002: no index, the migration not applied.
		await runInDurableObject(conv(ab), (_o, state) => {
			const sql = state.storage.sql;
			sql.exec("DROP TABLE message_search");
			// Migrations 0002 (the index) and 0003 (its watermark) as not applied.
			sql.exec('DELETE FROM "__drizzle_migrations" WHERE created_at >= ?', migrations.journal.entries[2]!.when);
			sql.exec("DELETE FROM bookkeeping WHERE key LIKE 'search_%'");
		});
		await evictDurableObject(conv(ab));
		expect(contents(await search(alice, { keyword: "grape", conversationId: ab }))).toEqual(["grape one"]);
		expect(contents(await search(alice, { keyword: "葡萄" }))).toEqual(["葡萄 two"]);
		// New messages are indexed before a search answers, next to the old ones.
		await send(bob, ab, "grape three");
		expect(contents(await search(alice, { keyword: "grape" }))).toEqual(["grape three", "grape one"]);
		const progress = await runInDurableObject(conv(ab), (_o, state) =>
			state.storage.sql.exec("SELECT key, value FROM bookkeeping WHERE key LIKE 'search_%' ORDER BY key").toArray(),
		);
		expect(progress).toEqual([{ key: "search_indexed", value: 3 }]);
	});
});
