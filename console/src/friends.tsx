import { useEffect, useState } from "preact/hooks";
import type { BlacklistItem, Friend, FriendRequest } from "../../client";
import { privateConversationId } from "../../contracts/ids";
import { client, openChat, personName, rememberPerson, store } from "./session";
import { useStore } from "./store";
import { ErrorBox, time, useAction } from "./ui";

export function FriendsView() {
	const me = useStore(store, (s) => s.me)!;
	const version = useStore(store, (s) => s.friendsVersion);
	useStore(store, (s) => s.people);
	const [friends, setFriends] = useState<Friend[]>([]);
	const [received, setReceived] = useState<FriendRequest[]>([]);
	const [sent, setSent] = useState<FriendRequest[]>([]);
	const [blocked, setBlocked] = useState<BlacklistItem[]>([]);
	const [keyword, setKeyword] = useState("");
	const [results, setResults] = useState<Array<{ userId: string; nickname: string }>>([]);
	const [hello, setHello] = useState("");
	const load = useAction();
	const act = useAction();

	const reload = () =>
		load.run(async () => {
			const [f, r, s, b] = await Promise.all([
				client.friends.list({ pageSize: 100 }),
				client.friends.requests({ type: "received", pageSize: 100 }),
				client.friends.requests({ type: "sent", pageSize: 100 }),
				client.friends.blacklist({ pageSize: 100 }),
			]);
			setFriends(f.list.filter((x) => !x.isDeleted));
			setReceived(r.list);
			setSent(s.list);
			setBlocked(b.list);
			for (const x of f.list) rememberPerson(x.userId, x.userInfo);
			for (const x of r.list) rememberPerson(x.fromUserId, x.fromUserInfo);
			for (const x of b.list) rememberPerson(x.blockedUserId, x.blockedUserInfo);
		});

	useEffect(() => {
		void reload();
	}, [version]);

	const search = (e: Event) => {
		e.preventDefault();
		void act.run(async () => {
			const r = await client.users.search({ keyword });
			setResults(r.users.filter((u) => u.userId !== me.userId));
			if (!r.users.length) act.setError(`Nobody matches "${keyword}".`);
		});
	};
	const then = (p: Promise<unknown>) =>
		act.run(async () => {
			await p;
			await reload();
		});

	const pending = received.filter((r) => r.status === "pending");
	return (
		<section>
			<ErrorBox error={load.error || act.error} />
			<h2>Find people</h2>
			<form class="row" onSubmit={search}>
				<input
					name="keyword"
					aria-label="Search users"
					placeholder="Nickname, phone or user ID"
					value={keyword}
					onInput={(e) => setKeyword((e.target as HTMLInputElement).value)}
				/>
				<button type="submit" disabled={act.busy || !keyword.trim()}>
					Search
				</button>
			</form>
			{results.length > 0 && (
				<>
					<input
						aria-label="Request message"
						placeholder="Message with your request (optional)"
						value={hello}
						onInput={(e) => setHello((e.target as HTMLInputElement).value)}
					/>
					<ul class="list" aria-label="Search results">
						{results.map((u) => (
							<li key={u.userId}>
								<span class="grow">{u.nickname}</span>
								<button
									type="button"
									disabled={act.busy}
									onClick={() =>
										then(
											client.friends.sendRequest({ userId: u.userId, message: hello, source: "search" }).then((r) =>
												store.set({
													notice: r.autoAccepted
														? `${u.nickname} is now your friend.`
														: `Friend request sent to ${u.nickname}.`,
												}),
											),
										)
									}
								>
									Add friend
								</button>
							</li>
						))}
					</ul>
				</>
			)}

			<h2>Requests {pending.length > 0 && <span class="badge">{pending.length}</span>}</h2>
			<ul class="list" aria-label="Friend requests">
				{received.map((r) => (
					<li key={r.requestId} data-testid="friend-request">
						<span class="grow">
							<strong>{r.fromUserInfo.nickname}</strong> {r.message && <span class="muted">“{r.message}”</span>}
							<div class="muted">
								{time(r.createdAt)} · {r.status}
							</div>
						</span>
						{r.status === "pending" && (
							<>
								<button
									type="button"
									class="primary"
									disabled={act.busy}
									onClick={() => then(client.friends.handleRequest(r.requestId, { action: "accept" }))}
								>
									Accept
								</button>
								<button
									type="button"
									disabled={act.busy}
									onClick={() => then(client.friends.handleRequest(r.requestId, { action: "reject" }))}
								>
									Reject
								</button>
							</>
						)}
					</li>
				))}
				{!received.length && <li class="muted">No requests received.</li>}
			</ul>
			{sent.length > 0 && (
				<>
					<h3>Sent</h3>
					<ul class="list" aria-label="Sent requests">
						{sent.map((r) => (
							<li key={r.requestId}>
								<span class="grow">To {personName(r.toUserId)}</span>
								<span class="muted">{r.status}</span>
							</li>
						))}
					</ul>
				</>
			)}

			<h2>Friends</h2>
			<ul class="list" aria-label="Friends">
				{friends.map((f) => (
					<li key={f.userId} data-testid="friend">
						<span class="grow">
							<strong>{f.remark || f.userInfo.nickname}</strong>
							{f.remark && <span class="muted"> ({f.userInfo.nickname})</span>}
						</span>
						<button type="button" class="primary" onClick={() => openChat(privateConversationId(me.userId, f.userId))}>
							Chat
						</button>
						<button
							type="button"
							onClick={() => {
								const remark = prompt(`Remark for ${f.userInfo.nickname}`, f.remark);
								if (remark !== null) void then(client.friends.setRemark(f.userId, { remark }));
							}}
						>
							Remark
						</button>
						<button
							type="button"
							class="danger"
							onClick={() =>
								confirm(`Remove ${f.userInfo.nickname} from your friends?`) && then(client.friends.remove(f.userId))
							}
						>
							Remove
						</button>
						<button type="button" class="danger" onClick={() => then(client.friends.block({ userId: f.userId }))}>
							Block
						</button>
					</li>
				))}
				{!friends.length && <li class="muted">No friends yet.</li>}
			</ul>

			<h2>Blacklist</h2>
			<ul class="list" aria-label="Blacklist">
				{blocked.map((b) => (
					<li key={b.blockedUserId}>
						<span class="grow">{b.blockedUserInfo.nickname}</span>
						<span class="muted">{time(b.createdAt)}</span>
						<button type="button" onClick={() => then(client.friends.unblock(b.blockedUserId))}>
							Unblock
						</button>
					</li>
				))}
				{!blocked.length && <li class="muted">Nobody is blocked.</li>}
			</ul>
		</section>
	);
}
