import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, describeError, fileTypeOf, type GroupMember, type Message } from "../../client";
import { fileContent, preview, readContent, textContent } from "./content";
import {
	client,
	conversationTitle,
	dropPending,
	loadHistory,
	markRead,
	personName,
	realtime,
	rememberPerson,
	safeUrl,
	sendMessage,
	store,
} from "./session";
import { useStore } from "./store";
import { ErrorBox, time, useAction } from "./ui";

const downloadUrls = new Map<string, Promise<string>>();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A file's signed URL. The server records that a conversation may read a file just after it
 * delivers the message naming it, so a recipient's first ask can meet a 404: ask again a few
 * times before calling it missing.
 */
async function fetchDownloadUrl(fileId: string): Promise<string> {
	for (let attempt = 0; ; attempt++) {
		try {
			return (await client.files.download(fileId)).downloadUrl;
		} catch (e) {
			if (!(e instanceof ApiError && e.status === 404) || attempt >= 5) throw e;
			await sleep(300 * 2 ** attempt);
		}
	}
}

function downloadUrl(fileId: string) {
	let p = downloadUrls.get(fileId);
	if (!p) {
		p = fetchDownloadUrl(fileId);
		// Failures are not cached: the next view of the message asks again.
		p.catch(() => downloadUrls.delete(fileId));
		downloadUrls.set(fileId, p);
	}
	return p;
}

function FileView({ fileId, name, image }: { fileId: string; name: string; image: boolean }) {
	const [url, setUrl] = useState("");
	const [error, setError] = useState("");
	useEffect(() => {
		downloadUrl(fileId)
			.then((u) => setUrl(safeUrl(u)))
			.catch((e) => setError(describeError(e)));
	}, [fileId]);
	if (error)
		return (
			<span class="error">
				Cannot load {name}: {error}
			</span>
		);
	if (!url) return <span class="muted">Loading {name}…</span>;
	return image ? (
		<a href={url} target="_blank" rel="noopener noreferrer">
			<img src={url} alt={name} data-testid="image" />
		</a>
	) : (
		<a href={url} target="_blank" rel="noopener noreferrer" download={name}>
			📎 {name}
		</a>
	);
}

function Bubble(props: {
	m: Message;
	mine: boolean;
	group: boolean;
	readByPeer: boolean;
	quoted?: Message;
	onReply: () => void;
	onRecall: () => void;
}) {
	const { m } = props;
	const c = readContent(m);
	return (
		<div
			class={`msg${props.mine ? " mine" : ""}${c.kind === "recalled" ? " recalled" : ""}`}
			data-testid="message"
			data-seq={m.sequence}
		>
			{props.group && !props.mine && <div class="meta">{personName(m.senderId)}</div>}
			{m.replyTo && (
				<div class="quote">
					{props.quoted ? `${personName(props.quoted.senderId)}: ${preview(props.quoted)}` : "(earlier message)"}
				</div>
			)}
			{c.kind === "text" && <div data-testid="text">{c.text}</div>}
			{c.kind === "other" && <div>{c.text}</div>}
			{c.kind === "recalled" && <div>This message was recalled.</div>}
			{(c.kind === "image" || c.kind === "file") && (
				<FileView fileId={c.fileId} name={c.name} image={c.kind === "image"} />
			)}
			{m.atUsers.length > 0 && <div class="meta">@ {m.atUsers.map(personName).join(", ")}</div>}
			<div class="meta">
				<span>{time(m.timestamp)}</span>
				{props.mine && props.readByPeer && <span data-testid="read">Read</span>}
				{c.kind !== "recalled" && (
					<button type="button" onClick={props.onReply}>
						Reply
					</button>
				)}
				{props.mine && c.kind !== "recalled" && (
					<button type="button" onClick={props.onRecall}>
						Recall
					</button>
				)}
			</div>
		</div>
	);
}

export function ChatView({ conversationId }: { conversationId: string }) {
	const me = useStore(store, (s) => s.me)!;
	const messages = useStore(store, (s) => s.messages[conversationId] ?? []);
	const hasOlder = useStore(store, (s) => s.hasOlder[conversationId] ?? false);
	const typing = useStore(store, (s) => s.typing[conversationId]);
	const receipts = useStore(store, (s) => s.receipts[conversationId] ?? {});
	const session = useStore(store, (s) => s.sessions.find((x) => x.sessionId === conversationId));
	const pending = useStore(store, (s) =>
		Object.entries(s.pending).filter(([, p]) => p.conversationId === conversationId),
	);
	useStore(store, (s) => s.people);
	const isGroup = !conversationId.startsWith("p_");
	const [text, setText] = useState("");
	const [replyTo, setReplyTo] = useState<Message | null>(null);
	const [atUsers, setAtUsers] = useState<string[]>([]);
	const [members, setMembers] = useState<GroupMember[]>([]);
	const act = useAction();
	const lastTyping = useRef(0);
	const bottom = useRef<HTMLDivElement>(null);
	const input = useRef<HTMLInputElement>(null);

	useEffect(() => {
		void act.run(async () => {
			await loadHistory(conversationId);
			await markRead(conversationId);
			if (isGroup) {
				const r = await client.groups.members(conversationId, { pageSize: 100 });
				setMembers(r.members);
				for (const m of r.members) rememberPerson(m.userId, m.userInfo);
			}
		});
		return () => store.set({ openConversation: "" });
	}, [conversationId]);

	useEffect(() => bottom.current?.scrollIntoView({ block: "end" }), [messages.length]);

	const peerRead = Math.max(
		0,
		...Object.entries(receipts)
			.filter(([u]) => u !== me.userId)
			.map(([, s]) => s),
	);
	const typingNow = typing && typing.until > Date.now();

	const send = (contentType: string, content: string, label: string) => {
		const p = sendMessage(
			{
				conversationId,
				conversationType: isGroup ? "group" : "private",
				contentType,
				content,
				replyTo: replyTo?.messageId,
				atUsers: atUsers.length ? atUsers : undefined,
			},
			label,
		);
		setReplyTo(null);
		setAtUsers([]);
		return p;
	};

	const submit = (e: Event) => {
		e.preventDefault();
		const t = text.trim();
		if (!t) return;
		setText("");
		realtime()?.typing(conversationId, false);
		void act.run(() => send("text", textContent(t), t));
	};

	const onInput = (v: string) => {
		setText(v);
		// At most one typing frame every 3 s (the server rate-limits them too).
		if (Date.now() - lastTyping.current > 3000) {
			lastTyping.current = Date.now();
			realtime()?.typing(conversationId, true);
		}
	};

	const onFile = (e: Event) => {
		const input = e.target as HTMLInputElement;
		const file = input.files?.[0];
		input.value = "";
		if (!file) return;
		void act.run(async () => {
			const mimeType = file.type || "application/octet-stream";
			const info = await client.files.upload(file, { fileName: file.name, mimeType });
			const kind = fileTypeOf(mimeType) === "image" ? "image" : "file";
			await send(kind, fileContent({ ...info, mimeType }), `[${kind}] ${file.name}`);
		});
	};

	const mention = (userId: string) => {
		if (!userId || atUsers.includes(userId)) return;
		setAtUsers([...atUsers, userId]);
		const next = `${text}@${personName(userId)} `;
		setText(next);
		// Back to the text with the caret after the mention, so typing continues the sentence.
		// (A timer, not requestAnimationFrame: background tabs get no frames.)
		setTimeout(() => {
			input.current?.focus();
			input.current?.setSelectionRange(next.length, next.length);
		}, 0);
	};

	return (
		<section class="chat">
			<div class="row">
				<button type="button" onClick={() => store.set({ openConversation: "" })}>
					← Back
				</button>
				<h2 class="grow ellipsis" data-testid="chat-title">
					{conversationTitle(conversationId)}
				</h2>
				{session && (
					<>
						<button type="button" onClick={() => act.run(() => client.sessions.pin(conversationId, !session.isPinned))}>
							{session.isPinned ? "Unpin" : "Pin"}
						</button>
						<button type="button" onClick={() => act.run(() => client.sessions.mute(conversationId, !session.isMuted))}>
							{session.isMuted ? "Unmute" : "Mute"}
						</button>
					</>
				)}
			</div>
			<ErrorBox error={act.error} />
			<div class="messages" role="log" aria-label="Messages">
				{hasOlder && (
					<button type="button" onClick={() => act.run(() => loadHistory(conversationId, true))}>
						Load older messages
					</button>
				)}
				{messages.map((m) => (
					<Bubble
						key={m.sequence}
						m={m}
						mine={m.senderId === me.userId}
						group={isGroup}
						readByPeer={!isGroup && peerRead >= m.sequence}
						quoted={m.replyTo ? messages.find((x) => x.messageId === m.replyTo) : undefined}
						onReply={() => setReplyTo(m)}
						onRecall={() => act.run(() => client.messages.recall(m.messageId))}
					/>
				))}
				{pending.map(([localId, p]) => (
					<div class="msg mine" key={localId} data-testid="pending">
						<div>{p.text}</div>
						<div class="meta">
							{p.failed ? (
								<>
									<span class="error">Not sent: {p.failed}</span>
									<button type="button" onClick={() => dropPending(localId)}>
										Dismiss
									</button>
								</>
							) : (
								<span>Sending…</span>
							)}
						</div>
					</div>
				))}
				<div ref={bottom} />
			</div>
			<div class="typing" data-testid="typing">
				{typingNow ? `${personName(typing.userId)} is typing…` : ""}
			</div>
			<form class="composer" onSubmit={submit}>
				{replyTo && (
					<div class="quote row">
						<span class="grow ellipsis">Replying to: {preview(replyTo)}</span>
						<button type="button" onClick={() => setReplyTo(null)}>
							×
						</button>
					</div>
				)}
				{isGroup && members.length > 0 && (
					<select aria-label="Mention" value="" onChange={(e) => mention((e.target as HTMLSelectElement).value)}>
						<option value="">@ Mention…</option>
						{members
							.filter((m) => m.userId !== me.userId)
							.map((m) => (
								<option value={m.userId} key={m.userId}>
									{m.groupNickname || m.userInfo.nickname}
								</option>
							))}
					</select>
				)}
				<div class="row">
					<input
						ref={input}
						name="message"
						aria-label="Message"
						placeholder="Write a message"
						value={text}
						onInput={(e) => onInput((e.target as HTMLInputElement).value)}
					/>
					<button class="primary" type="submit" disabled={!text.trim()}>
						Send
					</button>
				</div>
				<label>
					<span>Send an image or a file</span>
					<input type="file" name="file" onChange={onFile} disabled={act.busy} />
				</label>
			</form>
		</section>
	);
}
