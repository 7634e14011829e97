import { useEffect, useState } from "preact/hooks";
import { AdminView } from "./admin";
import { AuthScreen } from "./auth";
import { CallsView } from "./calls";
import { ChatsView } from "./chats";
import { FriendsView } from "./friends";
import { GroupsView } from "./groups";
import { MeView } from "./me";
import { client, endLocal, startSession, store } from "./session";
import { useStore } from "./store";
import { ErrorBox } from "./ui";

const TABS = ["Chats", "Friends", "Groups", "Calls", "Admin", "Me"] as const;
type Tab = (typeof TABS)[number];

export function App() {
	const me = useStore(store, (s) => s.me);
	const notice = useStore(store, (s) => s.notice);
	const status = useStore(store, (s) => s.status);
	const incoming = useStore(store, (s) => s.incomingCall);
	const tab = useStore(store, (s) => s.tab) as Tab;
	const setTab = (t: Tab) => store.set({ tab: t });
	const [booting, setBooting] = useState(true);
	const [bootError, setBootError] = useState("");

	useEffect(() => {
		// A reload of a logged-in tab resumes its session.
		if (!client.http.tokens.get()) return setBooting(false);
		startSession()
			.catch((e) => {
				setBootError(String(e?.message ?? e));
				endLocal("Please log in again.");
			})
			.finally(() => setBooting(false));
	}, []);

	if (booting) return <div class="auth">Loading…</div>;
	if (!me)
		return (
			<>
				<ErrorBox error={bootError} />
				<AuthScreen notice={notice} />
			</>
		);

	return (
		<div class="app">
			<nav class="top">
				{TABS.map((t) => (
					<button type="button" class={tab === t ? "active" : ""} onClick={() => setTab(t)} key={t}>
						{t}
					</button>
				))}
				<span class="who" data-testid="whoami">
					{me.nickname} · <span data-testid="status">{status}</span>
				</span>
			</nav>
			{notice && (
				<div class="info row" role="status">
					<span class="grow">{notice}</span>
					<button type="button" onClick={() => store.set({ notice: "" })}>
						Dismiss
					</button>
				</div>
			)}
			{incoming && (
				<div class="info row">
					<span class="grow">Incoming {incoming.callType} call</span>
					<button type="button" onClick={() => setTab("Calls")}>
						Open calls
					</button>
				</div>
			)}
			<main class="main">
				{tab === "Chats" && <ChatsView />}
				{tab === "Friends" && <FriendsView />}
				{tab === "Groups" && <GroupsView />}
				{tab === "Calls" && <CallsView />}
				{tab === "Admin" && <AdminView />}
				{tab === "Me" && <MeView />}
			</main>
		</div>
	);
}
