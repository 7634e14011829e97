/**
 * The console in a real browser against a real `wrangler dev`: two people register, become
 * friends through the UI, chat both ways, share an image, and a second tab of the first person
 * (another device) sees the same conversation; then a group, a call and the admin page.
 * The steps run in order on the same pages; screenshots land in test-results/screenshots/.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { crc32, deflateSync } from "node:zlib";
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "./server";

const SHOTS = new URL("../test-results/screenshots/", import.meta.url).pathname;
const PASSWORD = "Passw0rd!";
const suffix = Date.now().toString(36).slice(-6);
const alice = { nickname: `alice${suffix}`, email: `alice${suffix}@example.com` };
const bob = { nickname: `bob${suffix}`, email: `bob${suffix}@example.com` };
const IMAGE_SIZE = 64;
const PNG = stripes(IMAGE_SIZE);

/** A real PNG (red and blue stripes) built with zlib, so the test needs no image file. */
function stripes(size: number): Buffer {
	const chunk = (type: string, data: Buffer) => {
		const len = Buffer.alloc(4);
		len.writeUInt32BE(data.length);
		const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
		const crc = Buffer.alloc(4);
		crc.writeUInt32BE(crc32(body));
		return Buffer.concat([len, body, crc]);
	};
	const header = Buffer.alloc(13);
	header.writeUInt32BE(size, 0);
	header.writeUInt32BE(size, 4);
	header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
	const rows: Buffer[] = [];
	for (let y = 0; y < size; y++) {
		const row = Buffer.alloc(1 + size * 3);
		for (let x = 0; x < size; x++) row.set(Math.floor(x / 8) % 2 ? [37, 99, 235] : [220, 38, 38], 1 + x * 3);
		rows.push(row);
	}
	return Buffer.concat([
		Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
		chunk("IHDR", header),
		chunk("IDAT", deflateSync(Buffer.concat(rows))),
		chunk("IEND", Buffer.alloc(0)),
	]);
}

let server: DevServer;
let browser: Browser;
let ctxA: BrowserContext;
let ctxB: BrowserContext;
let pageA: Page;
let pageB: Page;
let pageA2: Page;

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
const seen = (l: Locator, timeout = 20_000) => l.first().waitFor({ state: "visible", timeout });
const tab = (page: Page, name: string) => page.locator("nav.top").getByRole("button", { name, exact: true }).click();

async function newPhone(): Promise<BrowserContext> {
	return browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
}

async function register(page: Page, who: typeof alice) {
	await page.goto(server.url);
	await page.getByRole("button", { name: "Register", exact: true }).click();
	await page.getByLabel("Email or phone").fill(who.email);
	await page.getByLabel("Password").fill(PASSWORD);
	await page.getByLabel("Nickname").fill(who.nickname);
	await page.getByRole("button", { name: "Create account" }).click();
	await seen(page.getByTestId("whoami").filter({ hasText: who.nickname }));
}

async function live(page: Page) {
	await seen(page.getByTestId("status").filter({ hasText: /^live$/ }));
}

beforeAll(async () => {
	mkdirSync(SHOTS, { recursive: true });
	server = await startDevServer();
	browser = await chromium.launch({
		executablePath: "/usr/bin/chromium",
		args: [
			"--headless",
			"--no-sandbox",
			"--disable-gpu",
			"--disable-quic",
			"--no-first-run",
			"--disable-background-networking",
			"--disable-component-update",
			"--disable-sync",
		],
	});
	ctxA = await newPhone();
	ctxB = await newPhone();
	pageA = await ctxA.newPage();
	pageB = await ctxB.newPage();
});

afterEach(async (ctx) => {
	// A failing step leaves a picture of every open page behind.
	if (ctx.task.result?.state !== "fail") return;
	const name = ctx.task.name.slice(0, 40).replace(/\W+/g, "-");
	for (const [who, page] of [
		["alice", pageA],
		["bob", pageB],
		["alice2", pageA2],
	] as const) {
		if (page && !page.isClosed()) await shot(page, `FAILED-${name}-${who}`).catch(() => {});
	}
	writeFileSync(`${SHOTS}../e2e-wrangler.log`, server.log());
});

afterAll(async () => {
	await browser?.close();
	await server?.stop();
});

describe("web console", () => {
	it("two people register and become friends through the UI; a second tab logs in as another device", async () => {
		await register(pageA, alice);
		await register(pageB, bob);
		await live(pageA);
		await live(pageB);

		await tab(pageA, "Friends");
		await tab(pageB, "Friends");
		await pageA.getByLabel("Search users").fill(bob.nickname);
		await pageA.getByRole("button", { name: "Search" }).click();
		await pageA
			.getByRole("list", { name: "Search results" })
			.getByRole("listitem")
			.filter({ hasText: bob.nickname })
			.getByRole("button", { name: "Add friend" })
			.click();
		await seen(pageA.getByRole("status").filter({ hasText: `Friend request sent to ${bob.nickname}` }));

		// Bob's open Friends page learns of the request live (friend.request notification).
		const request = pageB.getByTestId("friend-request").filter({ hasText: alice.nickname });
		await seen(request);
		await shot(pageB, "01-bob-friend-request");
		await request.getByRole("button", { name: "Accept" }).click();

		await seen(pageB.getByTestId("friend").filter({ hasText: alice.nickname }));
		// Alice's list follows through friend.request_handled, without a reload.
		await seen(pageA.getByTestId("friend").filter({ hasText: bob.nickname }));
		await shot(pageA, "02-alice-friends");
		await shot(pageB, "03-bob-friends");

		// Each tab is its own device: the new tab asks for a login and gets its own live socket.
		pageA2 = await ctxA.newPage();
		await pageA2.goto(server.url);
		const form = pageA2.getByRole("form", { name: "Log in" });
		await form.getByLabel("Email or phone").fill(alice.email);
		await form.getByLabel("Password").fill(PASSWORD);
		await form.getByRole("button", { name: "Log in" }).click();
		await seen(pageA2.getByTestId("whoami").filter({ hasText: alice.nickname }));
		await live(pageA2);
		await tab(pageA2, "Friends");
		await seen(pageA2.getByTestId("friend").filter({ hasText: bob.nickname }));
		// The first device kept its socket (a second device does not replace it).
		await live(pageA);
		await shot(pageA2, "04-alice-second-device");
	});

	it("chat both ways in real time; unread counts fall on reading; typing and read receipts show", async () => {
		await tab(pageB, "Chats");
		await tab(pageA, "Friends");
		await pageA.getByTestId("friend").filter({ hasText: bob.nickname }).getByRole("button", { name: "Chat" }).click();
		await seen(pageA.getByTestId("chat-title").filter({ hasText: bob.nickname }));
		for (const text of ["hello bob", "are you there?"]) {
			await pageA.getByRole("textbox", { name: "Message" }).fill(text);
			await pageA.getByRole("button", { name: "Send", exact: true }).click();
			await seen(pageA.getByTestId("message").filter({ hasText: text }));
		}

		// Bob's conversation list shows the conversation with two unread messages.
		const row = pageB.getByTestId("conversation").filter({ hasText: alice.nickname });
		await seen(row.getByTestId("unread").filter({ hasText: /^2$/ }));
		await shot(pageB, "05-bob-unread");
		await row.getByRole("button").first().click();
		await seen(pageB.getByTestId("message").filter({ hasText: "are you there?" }));

		// Typing reaches Alice; Bob's reply arrives live; Alice sees her messages read.
		await pageB.getByRole("textbox", { name: "Message" }).pressSequentially("hi al");
		await seen(pageA.getByTestId("typing").filter({ hasText: "is typing" }));
		await pageB.getByRole("textbox", { name: "Message" }).fill("hi alice");
		await pageB.getByRole("button", { name: "Send", exact: true }).click();
		await seen(pageA.getByTestId("message").filter({ hasText: "hi alice" }));
		await seen(pageA.getByTestId("read"));

		// A reply quotes its message; a recall replaces the message on the other side.
		await pageB.getByTestId("message").filter({ hasText: "hello bob" }).getByRole("button", { name: "Reply" }).click();
		await pageB.getByRole("textbox", { name: "Message" }).fill("yes, here");
		await pageB.getByRole("button", { name: "Send", exact: true }).click();
		await seen(
			pageA.getByTestId("message").filter({ hasText: "yes, here" }).locator(".quote").filter({ hasText: "hello bob" }),
		);
		await pageA
			.getByTestId("message")
			.filter({ hasText: "are you there?" })
			.getByRole("button", { name: "Recall" })
			.click();
		await seen(pageB.getByTestId("message").filter({ hasText: "This message was recalled." }));
		await expect(pageB.getByTestId("message").filter({ hasText: "are you there?" }).count()).resolves.toBe(0);

		await pageB.getByRole("button", { name: "← Back" }).click();
		await seen(row);
		await expect.poll(() => row.getByTestId("unread").count(), { timeout: 15_000 }).toBe(0);
		await shot(pageA, "06-alice-chat");
		await shot(pageB, "07-bob-read");
	});

	it("an image one person sends is shown to the other", async () => {
		await pageA
			.locator('input[type="file"]')
			.setInputFiles({ name: "stripes.png", mimeType: "image/png", buffer: PNG });
		await seen(pageA.getByTestId("image"));
		const row = pageB.getByTestId("conversation").filter({ hasText: alice.nickname });
		await row.getByRole("button").first().click();
		const img = pageB.getByTestId("image");
		await seen(img);
		await expect
			.poll(() => img.first().evaluate((el) => (el as HTMLImageElement).naturalWidth), { timeout: 15_000 })
			.toBe(IMAGE_SIZE);
		await shot(pageB, "08-bob-image");
	});

	it("the second device sees the same conversation", async () => {
		await tab(pageA2, "Chats");
		const row = pageA2.getByTestId("conversation").filter({ hasText: bob.nickname });
		await seen(row);
		await row.getByRole("button").first().click();
		for (const text of ["hello bob", "This message was recalled.", "hi alice", "yes, here"]) {
			await seen(pageA2.getByTestId("message").filter({ hasText: text }));
		}
		await seen(pageA2.getByTestId("image"));
		await shot(pageA2, "09-alice-second-device-chat");
	});

	it("message search finds a sent message, never a recalled one, and opens its conversation", async () => {
		await pageA2.getByRole("button", { name: "← Back" }).click();
		const box = pageA2.getByRole("searchbox", { name: "Search messages" });
		await box.fill("HELLO");
		await pageA2.getByRole("button", { name: "Search", exact: true }).click();
		await seen(pageA2.getByTestId("search-result").filter({ hasText: "hello bob" }));
		await expect(pageA2.getByTestId("search-total").textContent()).resolves.toBe("1 found");
		// Recalled: its text is out of the index.
		await box.fill("there");
		await pageA2.getByRole("button", { name: "Search", exact: true }).click();
		await seen(pageA2.getByTestId("search-total").filter({ hasText: "No message matches." }));
		await box.fill("hello");
		await pageA2.getByRole("button", { name: "Search", exact: true }).click();
		await pageA2.getByTestId("search-result").filter({ hasText: "hello bob" }).click();
		await seen(pageA2.getByTestId("chat-title").filter({ hasText: bob.nickname }));
		await shot(pageA2, "09b-alice-message-search");
	});

	it("a group: created with a friend, chatted in, with an @mention the other is told about", async () => {
		const name = `team ${suffix}`;
		await tab(pageA, "Groups");
		await pageA.getByLabel("Group name").fill(name);
		await pageA.getByRole("checkbox", { name: bob.nickname }).check();
		await pageA.getByRole("button", { name: "Create", exact: true }).click();
		await seen(pageA.getByRole("heading", { name }));
		await seen(pageA.getByRole("list", { name: "Members" }).getByText(bob.nickname));
		await pageA.getByRole("button", { name: "Chat", exact: true }).click();
		await pageA.getByLabel("Mention").selectOption({ label: bob.nickname });
		await pageA.getByRole("textbox", { name: "Message" }).pressSequentially("see this");
		await pageA.getByRole("button", { name: "Send", exact: true }).click();
		await seen(pageA.getByTestId("message").filter({ hasText: "see this" }));
		await seen(pageB.getByRole("status").filter({ hasText: `mentioned you in ${name}` }));
		await tab(pageB, "Chats");
		await pageB
			.getByRole("button", { name: "← Back" })
			.click()
			.catch(() => {});
		const row = pageB.getByTestId("conversation").filter({ hasText: name });
		await seen(row);
		await row.getByRole("button").first().click();
		await seen(pageB.getByTestId("message").filter({ hasText: `@${bob.nickname} see this` }));
		await shot(pageB, "10-bob-group-chat");
	});

	it("a call rings, is answered with a LiveKit room and token, and ends", async () => {
		await tab(pageA, "Calls");
		await tab(pageB, "Calls");
		await pageA.getByLabel("Callee").selectOption({ label: bob.nickname });
		await pageA.getByRole("button", { name: "Call", exact: true }).click();
		await seen(pageA.getByTestId("call").filter({ hasText: "You are the caller" }));
		await seen(pageB.getByText("Incoming audio call from"));
		await pageB.getByRole("button", { name: "Answer" }).click();
		await seen(pageB.getByTestId("call").filter({ hasText: "You are the callee" }));
		await seen(pageA.getByText(/: connected$/));
		await shot(pageB, "11-bob-call");
		await pageA.getByRole("button", { name: "End call" }).click();
		await seen(pageB.getByText(/: ended$/));
		await seen(pageA.getByRole("list", { name: "Recent calls" }).getByText(/ended/));
	});

	it("the admin page shows stats, finds a user and the audit log records a ban", async () => {
		await tab(pageA2, "Admin");
		// The documented local-development admin password (no .dev.vars in a fresh checkout).
		await pageA2.getByLabel("Admin password").fill("Admin@123456");
		await pageA2.getByRole("button", { name: "Log in as admin" }).click();
		await seen(pageA2.getByRole("heading", { name: /Admin · admin/ }));
		await seen(pageA2.getByRole("row", { name: /totalUsers/ }));
		await pageA2.getByLabel("User keyword").fill(bob.nickname);
		await pageA2.getByRole("button", { name: "Search", exact: true }).click();
		const row = pageA2.getByRole("listitem").filter({ hasText: bob.nickname });
		await seen(row);
		pageA2.once("dialog", (d) => void d.accept("e2e check"));
		await row.getByRole("button", { name: "Ban", exact: true }).click();
		await seen(pageA2.getByRole("cell", { name: /ban/ }));
		await row.getByRole("button", { name: "Unban" }).click();
		await seen(pageA2.getByRole("cell", { name: /unban/ }));
		await shot(pageA2, "12-admin");
	});
});
