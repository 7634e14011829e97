import { useEffect, useState } from "preact/hooks";
import type { AdminUser, AuditLog } from "../../client";
import { client } from "./session";
import { ErrorBox, Field, time, useAction } from "./ui";

/** The admin page uses its own admin account and token, kept in memory only. */
export function AdminView() {
	const [who, setWho] = useState(client.admin.token ? "admin" : "");
	const [username, setUsername] = useState("admin");
	const [password, setPassword] = useState("");
	const act = useAction();

	if (!who)
		return (
			<section class="auth">
				<h2>Admin login</h2>
				<form
					onSubmit={(e) => {
						e.preventDefault();
						void act.run(async () => setWho((await client.admin.login({ username, password })).username));
					}}
				>
					<Field label="Admin username" name="adminUser" value={username} onInput={setUsername} />
					<Field label="Admin password" name="adminPassword" type="password" value={password} onInput={setPassword} />
					<ErrorBox error={act.error} />
					<button class="primary" type="submit" disabled={act.busy}>
						Log in as admin
					</button>
				</form>
			</section>
		);
	return <AdminPanel who={who} onLogout={() => void client.admin.logout().finally(() => setWho(""))} />;
}

function AdminPanel({ who, onLogout }: { who: string; onLogout: () => void }) {
	const [stats, setStats] = useState<Record<string, number | boolean>>({});
	const [keyword, setKeyword] = useState("");
	const [users, setUsers] = useState<AdminUser[]>([]);
	const [logs, setLogs] = useState<AuditLog[]>([]);
	const [page, setPage] = useState(1);
	const load = useAction();
	const act = useAction();

	const reload = () =>
		load.run(async () => {
			setStats(await client.admin.stats());
			setUsers((await client.admin.users({ keyword, pageSize: 50 })).list);
			setLogs((await client.admin.auditLogs({ page, pageSize: 20 })).list);
		});
	useEffect(() => {
		void reload();
	}, [page]);

	return (
		<section>
			<div class="row">
				<h2 class="grow">Admin · {who}</h2>
				<button type="button" onClick={onLogout}>
					Log out admin
				</button>
			</div>
			<ErrorBox error={load.error || act.error} />
			<h3>Overview</h3>
			<table>
				<tbody>
					{Object.entries(stats).map(([k, v]) => (
						<tr key={k}>
							<th>{k}</th>
							<td>{String(v)}</td>
						</tr>
					))}
				</tbody>
			</table>
			<h3>Users</h3>
			<form
				class="row"
				onSubmit={(e) => {
					e.preventDefault();
					void reload();
				}}
			>
				<input
					aria-label="User keyword"
					placeholder="Nickname (empty lists everyone)"
					value={keyword}
					onInput={(e) => setKeyword((e.target as HTMLInputElement).value)}
				/>
				<button type="submit">Search</button>
			</form>
			<ul class="list">
				{users.map((u) => (
					<li key={u.userId}>
						<span class="grow">
							{u.nickname}{" "}
							<span class="muted">
								{u.userId} {u.status !== undefined ? `· status ${u.status}` : ""}
							</span>
						</span>
						<button
							type="button"
							class="danger"
							onClick={() => {
								const reason = prompt(`Ban ${u.nickname}? Reason:`, "");
								if (reason !== null) void act.run(() => client.admin.ban(u.userId, { reason }).then(reload));
							}}
						>
							Ban
						</button>
						<button type="button" onClick={() => act.run(() => client.admin.unban(u.userId).then(reload))}>
							Unban
						</button>
					</li>
				))}
			</ul>
			<h3>Audit log</h3>
			<table>
				<thead>
					<tr>
						<th>When</th>
						<th>Admin</th>
						<th>Action</th>
						<th>Target</th>
					</tr>
				</thead>
				<tbody>
					{logs.map((l) => (
						<tr key={String(l.id)}>
							<td>{time(l.createdAt)}</td>
							<td>{l.adminUsername || l.adminId}</td>
							<td>{l.action}</td>
							<td>{[l.resourceType, l.resourceId].filter(Boolean).join(" ")}</td>
						</tr>
					))}
				</tbody>
			</table>
			<div class="row">
				<button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
					Newer
				</button>
				<span class="muted">page {page}</span>
				<button type="button" disabled={logs.length < 20} onClick={() => setPage(page + 1)}>
					Older
				</button>
			</div>
		</section>
	);
}
