import { useState } from "preact/hooks";
import type { MessageSearchResult } from "../../client";
import { preview } from "./content";
import { client, conversationTitle, openChat, personName } from "./session";
import { ErrorBox, time, useAction } from "./ui";

/** Searches all of the user's conversations (GET /messages/search); a result opens its conversation. */
export function MessageSearch() {
	const [keyword, setKeyword] = useState("");
	const [found, setFound] = useState<MessageSearchResult | null>(null);
	const act = useAction();

	const search = (e: Event) => {
		e.preventDefault();
		void act.run(async () => setFound(await client.messages.search({ keyword: keyword.trim(), limit: 50 })));
	};
	const clear = () => {
		setKeyword("");
		setFound(null);
		act.setError("");
	};

	return (
		<>
			<form class="row" onSubmit={search}>
				<input
					type="search"
					name="keyword"
					aria-label="Search messages"
					placeholder="Search messages"
					maxLength={100}
					value={keyword}
					onInput={(e) => setKeyword((e.target as HTMLInputElement).value)}
				/>
				<button type="submit" disabled={act.busy || !keyword.trim()}>
					Search
				</button>
				{found && (
					<button type="button" onClick={clear}>
						Clear
					</button>
				)}
			</form>
			<ErrorBox error={act.error} />
			{found && (
				<>
					<p class="muted" data-testid="search-total">
						{found.total === 0 ? "No message matches." : `${found.total} found`}
						{found.total > found.list.length ? ` (the newest ${found.list.length} shown)` : ""}
					</p>
					<ul class="list" aria-label="Message search results">
						{found.list.map((m) => (
							<li key={m.messageId} data-testid="search-result">
								<button
									type="button"
									class="grow"
									style="text-align:left;border:none"
									onClick={() => openChat(m.conversationId)}
								>
									<div class="row">
										<strong class="grow ellipsis">{conversationTitle(m.conversationId)}</strong>
										<span class="muted">{time(m.createdAt)}</span>
									</div>
									<div class="ellipsis">
										<span class="muted">{personName(m.senderId)}: </span>
										{preview(m)}
									</div>
								</button>
							</li>
						))}
					</ul>
				</>
			)}
		</>
	);
}
