import { useEffect } from "preact/hooks";
import { ChatView } from "./chat";
import { MessageSearch } from "./search";
import { client, conversationTitle, loadGroupNames, loadSessions, store } from "./session";
import { useStore } from "./store";
import { ErrorBox, time, useAction } from "./ui";

export function ChatsView() {
	const open = useStore(store, (s) => s.openConversation);
	const sessions = useStore(store, (s) => s.sessions);
	const error = useStore(store, (s) => s.sessionsError);
	useStore(store, (s) => s.people);
	useStore(store, (s) => s.groupNames);
	const act = useAction();

	useEffect(() => {
		void loadGroupNames();
		void loadSessions();
	}, []);

	if (open) return <ChatView conversationId={open} />;

	return (
		<section>
			<h2>Conversations</h2>
			<MessageSearch />
			<ErrorBox error={error || act.error} />
			{!sessions.length && <p class="muted">No conversations yet. Start one from a friend or a group.</p>}
			<ul class="list" aria-label="Conversations">
				{sessions.map((s) => (
					<li key={s.sessionId} data-testid="conversation">
						<button
							type="button"
							class="grow"
							style="text-align:left;border:none"
							onClick={() => store.set({ openConversation: s.sessionId })}
						>
							<div class="row">
								<strong class="grow ellipsis">
									{s.isPinned ? "📌 " : ""}
									{conversationTitle(s.sessionId)}
									{s.isMuted ? " 🔕" : ""}
								</strong>
								<span class="muted">{time(s.lastMessageTime)}</span>
							</div>
							<div class="muted ellipsis">{s.lastMessageContent}</div>
						</button>
						{s.unreadCount > 0 && (
							<span class={s.isMuted ? "badge quiet" : "badge"} data-testid="unread" title="unread messages">
								{s.unreadCount}
							</span>
						)}
						<button
							type="button"
							disabled={act.busy}
							onClick={() => act.run(() => client.sessions.pin(s.sessionId, !s.isPinned).then(loadSessions))}
						>
							{s.isPinned ? "Unpin" : "Pin"}
						</button>
						<button
							type="button"
							disabled={act.busy}
							onClick={() => act.run(() => client.sessions.mute(s.sessionId, !s.isMuted).then(loadSessions))}
						>
							{s.isMuted ? "Unmute" : "Mute"}
						</button>
						<button
							type="button"
							class="danger"
							disabled={act.busy}
							onClick={() => act.run(() => client.sessions.remove(s.sessionId).then(loadSessions))}
						>
							Delete
						</button>
					</li>
				))}
			</ul>
		</section>
	);
}
