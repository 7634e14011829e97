import { useEffect, useState } from "preact/hooks";
import type { Friend, Group, GroupJoinRequest, GroupListItem, GroupMember } from "../../client";
import { client, loadGroupNames, openChat, rememberPerson, store } from "./session";
import { useStore } from "./store";
import { ErrorBox, time, useAction } from "./ui";

export function GroupsView() {
	const version = useStore(store, (s) => s.groupsVersion);
	const [groups, setGroups] = useState<GroupListItem[]>([]);
	const [friends, setFriends] = useState<Friend[]>([]);
	const [selected, setSelected] = useState("");
	const [name, setName] = useState("");
	const [picked, setPicked] = useState<string[]>([]);
	const [joinId, setJoinId] = useState("");
	const load = useAction();
	const act = useAction();

	const reload = () =>
		load.run(async () => {
			const [g, f] = await Promise.all([client.groups.list(), client.friends.list({ pageSize: 100 })]);
			setGroups(g.groups.filter((x) => !x.isDeleted));
			setFriends(f.list.filter((x) => !x.isDeleted));
			void loadGroupNames();
		});
	useEffect(() => {
		void reload();
	}, [version]);

	if (selected)
		return (
			<GroupDetail
				groupId={selected}
				friends={friends}
				onBack={() => {
					setSelected("");
					void reload();
				}}
			/>
		);

	const create = (e: Event) => {
		e.preventDefault();
		void act.run(async () => {
			const g = await client.groups.create({ name, memberIds: picked });
			setName("");
			setPicked([]);
			await reload();
			setSelected(g.groupId);
		});
	};
	const join = (e: Event) => {
		e.preventDefault();
		void act.run(async () => {
			const r = await client.groups.join(joinId.trim());
			store.set({ notice: r.message });
			setJoinId("");
			await reload();
		});
	};

	return (
		<section>
			<ErrorBox error={load.error || act.error} />
			<h2>My groups</h2>
			<ul class="list" aria-label="Groups">
				{groups.map((g) => (
					<li key={g.groupId}>
						<button
							type="button"
							class="grow"
							style="text-align:left;border:none"
							onClick={() => setSelected(g.groupId)}
						>
							<strong>{g.name}</strong>{" "}
							<span class="muted">
								· {g.memberCount} members · {g.myRole}
								{g.isMuted ? " · muted" : ""}
							</span>
						</button>
					</li>
				))}
				{!groups.length && <li class="muted">You are in no group yet.</li>}
			</ul>
			<h2>Create a group</h2>
			<form onSubmit={create}>
				<input
					aria-label="Group name"
					placeholder="Group name"
					value={name}
					onInput={(e) => setName((e.target as HTMLInputElement).value)}
				/>
				<p class="muted">Members (at least one friend):</p>
				{friends.map((f) => (
					<label key={f.userId} class="row">
						<input
							type="checkbox"
							style="width:auto"
							checked={picked.includes(f.userId)}
							onChange={(e) =>
								setPicked(
									(e.target as HTMLInputElement).checked ? [...picked, f.userId] : picked.filter((x) => x !== f.userId),
								)
							}
						/>
						{f.remark || f.userInfo.nickname}
					</label>
				))}
				<button class="primary" type="submit" disabled={act.busy || !name.trim()}>
					Create
				</button>
			</form>
			<h2>Join a group</h2>
			<form class="row" onSubmit={join}>
				<input
					aria-label="Group ID"
					placeholder="Group ID"
					value={joinId}
					onInput={(e) => setJoinId((e.target as HTMLInputElement).value)}
				/>
				<button type="submit" disabled={act.busy || !joinId.trim()}>
					Join
				</button>
			</form>
		</section>
	);
}

function GroupDetail({ groupId, friends, onBack }: { groupId: string; friends: Friend[]; onBack: () => void }) {
	const me = useStore(store, (s) => s.me)!;
	const version = useStore(store, (s) => s.groupsVersion);
	const [group, setGroup] = useState<Group | null>(null);
	const [members, setMembers] = useState<GroupMember[]>([]);
	const [requests, setRequests] = useState<GroupJoinRequest[]>([]);
	const [invitee, setInvitee] = useState("");
	const [announcement, setAnnouncement] = useState("");
	const load = useAction();
	const act = useAction();

	const reload = () =>
		load.run(async () => {
			const g = await client.groups.get(groupId);
			setGroup(g);
			setAnnouncement(g.announcement);
			if (!g.myRole) return;
			const m = await client.groups.members(groupId, { pageSize: 100 });
			setMembers(m.members);
			for (const x of m.members) rememberPerson(x.userId, x.userInfo);
			if (g.myRole !== "member") setRequests((await client.groups.requests(groupId, { status: "pending" })).requests);
		});
	useEffect(() => {
		void reload();
	}, [groupId, version]);

	const then = (p: () => Promise<unknown>) =>
		act.run(async () => {
			await p();
			await reload();
		});
	const manager = group?.myRole === "owner" || group?.myRole === "admin";
	const owner = group?.myRole === "owner";

	return (
		<section>
			<div class="row">
				<button type="button" onClick={onBack}>
					← Groups
				</button>
				<h2 class="grow">{group?.name ?? "Group"}</h2>
				{group?.myRole && (
					<button type="button" class="primary" onClick={() => openChat(groupId)}>
						Chat
					</button>
				)}
			</div>
			<ErrorBox error={load.error || act.error} />
			{group && (
				<div class="card">
					<div class="muted">
						ID {group.groupId} · {group.memberCount}/{group.maxMembers} members · you: {group.myRole || "not a member"}
					</div>
					<div class="muted">
						Join verification: {group.joinVerify ? "on" : "off"} · members may invite:{" "}
						{group.allowMemberInvite ? "yes" : "no"} · {group.isMuted ? "everyone muted" : "not muted"}
					</div>
					{manager ? (
						<div class="row">
							<input
								aria-label="Announcement"
								placeholder="Announcement"
								value={announcement}
								onInput={(e) => setAnnouncement((e.target as HTMLInputElement).value)}
							/>
							<button type="button" onClick={() => then(() => client.groups.update(groupId, { announcement }))}>
								Save
							</button>
						</div>
					) : (
						group.announcement && <p>📢 {group.announcement}</p>
					)}
					{manager && (
						<div class="row">
							<button
								type="button"
								onClick={() => then(() => client.groups.update(groupId, { joinVerify: !group.joinVerify }))}
							>
								{group.joinVerify ? "Turn verification off" : "Require verification"}
							</button>
							<button
								type="button"
								onClick={() => then(() => client.groups.muteAll(groupId, { muted: !group.isMuted }))}
							>
								{group.isMuted ? "Unmute everyone" : "Mute everyone"}
							</button>
						</div>
					)}
				</div>
			)}
			{group && !group.myRole && (
				<button
					type="button"
					class="primary"
					onClick={() => then(async () => store.set({ notice: (await client.groups.join(groupId)).message }))}
				>
					Join this group
				</button>
			)}
			{group?.myRole && (
				<>
					<h3>Members</h3>
					<ul class="list" aria-label="Members">
						{members.map((m) => (
							<li key={m.userId}>
								<span class="grow">
									{m.groupNickname || m.userInfo.nickname}{" "}
									<span class="muted">
										· {m.role}
										{m.isMuted ? " · muted" : ""} · joined {time(m.joinedAt)}
									</span>
								</span>
								{owner && m.role !== "owner" && (
									<>
										<button
											type="button"
											onClick={() =>
												then(() =>
													client.groups.setRole(groupId, m.userId, { role: m.role === "admin" ? "member" : "admin" }),
												)
											}
										>
											{m.role === "admin" ? "Make member" : "Make admin"}
										</button>
										<button
											type="button"
											onClick={() =>
												confirm(`Hand the group to ${m.userInfo.nickname}?`) &&
												then(() => client.groups.transfer(groupId, { newOwnerId: m.userId }))
											}
										>
											Transfer
										</button>
									</>
								)}
								{manager && m.userId !== me.userId && m.role !== "owner" && (
									<>
										<button
											type="button"
											onClick={() => then(() => client.groups.muteMember(groupId, m.userId, { muted: !m.isMuted }))}
										>
											{m.isMuted ? "Unmute" : "Mute"}
										</button>
										<button
											type="button"
											class="danger"
											onClick={() => then(() => client.groups.removeMember(groupId, m.userId))}
										>
											Remove
										</button>
									</>
								)}
							</li>
						))}
					</ul>
					<div class="row">
						<select
							aria-label="Invite a friend"
							value={invitee}
							onChange={(e) => setInvitee((e.target as HTMLSelectElement).value)}
						>
							<option value="">Invite a friend…</option>
							{friends
								.filter((f) => !members.some((m) => m.userId === f.userId))
								.map((f) => (
									<option key={f.userId} value={f.userId}>
										{f.remark || f.userInfo.nickname}
									</option>
								))}
						</select>
						<button
							type="button"
							disabled={!invitee}
							onClick={() =>
								then(async () => {
									const r = await client.groups.invite(groupId, { userIds: [invitee] });
									setInvitee("");
									store.set({ notice: r.pending.length ? "Invitation waits for an admin's approval." : "Invited." });
								})
							}
						>
							Invite
						</button>
					</div>
					<div class="row">
						<button
							type="button"
							onClick={() => {
								const nickname = prompt("Your nickname in this group", "");
								if (nickname !== null) void then(() => client.groups.setNickname(groupId, { nickname }));
							}}
						>
							My group nickname
						</button>
						{!owner && (
							<button
								type="button"
								class="danger"
								onClick={() =>
									confirm("Leave this group?") &&
									then(async () => {
										await client.groups.quit(groupId);
										onBack();
									})
								}
							>
								Leave group
							</button>
						)}
						{owner && (
							<button
								type="button"
								class="danger"
								onClick={() =>
									confirm("Dissolve this group for everyone?") &&
									then(async () => {
										await client.groups.dissolve(groupId);
										onBack();
									})
								}
							>
								Dissolve group
							</button>
						)}
					</div>
				</>
			)}
			{manager && (
				<>
					<h3>Join requests</h3>
					<ul class="list" aria-label="Join requests">
						{requests.map((r) => (
							<li key={r.id}>
								<span class="grow">
									{r.userInfo.nickname} {r.inviterId ? <span class="muted">(invited)</span> : null}{" "}
									{r.message && <span class="muted">“{r.message}”</span>}
								</span>
								<button
									type="button"
									class="primary"
									onClick={() => then(() => client.groups.handleRequest(groupId, r.id, { accept: true }))}
								>
									Accept
								</button>
								<button
									type="button"
									onClick={() => then(() => client.groups.handleRequest(groupId, r.id, { accept: false }))}
								>
									Reject
								</button>
							</li>
						))}
						{!requests.length && <li class="muted">No pending requests.</li>}
					</ul>
				</>
			)}
		</section>
	);
}
