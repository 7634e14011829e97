import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ok } from "./fixtures/api";
import { makeGroup } from "./fixtures/social";
import { registerUser, type TestUser } from "./fixtures/users";
import { connect } from "./fixtures/ws";

interface PushLog {
	user_id: string;
	type: string;
	title: string;
	body: string;
	status: string;
}

const logsOf = async (userIds: string[]) =>
	(
		await env.DB.prepare(
			`SELECT user_id, type, title, body, status FROM push_logs WHERE user_id IN (${userIds.map(() => "?").join(",")}) ORDER BY id`,
		)
			.bind(...userIds)
			.all<PushLog>()
	).results;

/** Waits until the queue consumer has written `count` log rows for these users. */
async function waitForLogs(userIds: string[], count: number): Promise<PushLog[]> {
	const deadline = Date.now() + 15_000;
	for (;;) {
		const rows = await logsOf(userIds);
		if (rows.length >= count) return rows;
		if (Date.now() > deadline) throw new Error(`expected ${count} push log rows, got ${JSON.stringify(rows)}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

const registerToken = (u: TestUser) =>
	ok("POST", "/users/me/push-token", {
		token: u.token,
		body: { deviceId: u.deviceId, pushToken: `tok-${u.userId}`, platform: "Android" },
	});

describe("offline push for social and call events", () => {
	it("friend.request, group.invited and livekit.call_invite reach a user with no connected device as a push", async () => {
		const [alice, away, here] = await Promise.all([registerUser(), registerUser(), registerUser()]);
		for (const u of [away, here]) await registerToken(u);
		const hereSock = await connect(here.token);

		// Friend requests: the connected target is told live, the other gets a push.
		await ok("POST", "/friends/requests", {
			token: alice.token,
			body: { userId: here.userId, message: "hi", source: "search" },
		});
		await hereSock.waitForNotification("friend.request");
		await ok("POST", "/friends/requests", {
			token: alice.token,
			body: { userId: away.userId, message: "hi", source: "search" },
		});
		const [req] = await waitForLogs([away.userId], 1);
		expect(req).toMatchObject({ type: "friend.request", title: "好友申请", status: "sent" });
		expect(req!.body).toContain("请求添加你为好友");

		// An invitation into a group that needs approval.
		const group = await makeGroup(alice, [here], { name: "Book club", joinVerify: true });
		const invited = await ok("POST", `/groups/${group.groupId}/members`, {
			token: alice.token,
			body: { userIds: [away.userId] },
		});
		expect(invited.pending).toEqual([away.userId]);
		const afterInvite = await waitForLogs([away.userId], 2);
		expect(afterInvite[1]).toMatchObject({
			type: "group.invited",
			title: "群组邀请",
			body: "你被邀请加入群组「Book club」",
		});

		// A call.
		await ok("POST", "/rtc/calls", { token: alice.token, body: { calleeId: away.userId, callType: "video" } });
		const afterCall = await waitForLogs([away.userId], 3);
		expect(afterCall[2]).toMatchObject({ type: "livekit.call_invite", title: "来电", body: "视频通话邀请" });

		// The connected user was reached live every time: no push for them.
		expect(await logsOf([here.userId, alice.userId])).toEqual([]);
		hereSock.close();
	});
});
