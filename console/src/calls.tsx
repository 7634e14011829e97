import { useEffect, useState } from "preact/hooks";
import type { Call, CallTicket, Friend } from "../../client";
import { client, personName, rememberPerson, store } from "./session";
import { useStore } from "./store";
import { ErrorBox, time, useAction } from "./ui";

/** Call signalling only: the console shows the LiveKit room and token a media client would join with. */
export function CallsView() {
	const incoming = useStore(store, (s) => s.incomingCall);
	const events = useStore(store, (s) => s.callEvents);
	useStore(store, (s) => s.people);
	const [friends, setFriends] = useState<Friend[]>([]);
	const [callee, setCallee] = useState("");
	const [callType, setCallType] = useState<"audio" | "video">("audio");
	const [ticket, setTicket] = useState<(CallTicket & { role: string }) | null>(null);
	const [history, setHistory] = useState<Call[]>([]);
	const load = useAction();
	const act = useAction();

	const reload = () =>
		load.run(async () => {
			const f = await client.friends.list({ pageSize: 100 });
			setFriends(f.list.filter((x) => !x.isDeleted));
			for (const x of f.list) rememberPerson(x.userId, x.userInfo);
			setHistory((await client.rtc.calls({ pageSize: 20 })).list);
		});
	useEffect(() => {
		void reload();
	}, [events.length]);

	const current = ticket?.callId ?? "";
	return (
		<section>
			<ErrorBox error={act.error} />
			{incoming && (
				<div class="card">
					<strong>
						Incoming {incoming.callType} call from {personName(incoming.callerId)}
					</strong>
					<div class="row">
						<button
							type="button"
							class="primary"
							onClick={() =>
								act.run(async () => {
									const t = await client.rtc.answer(incoming.callId);
									setTicket({ ...t, callId: incoming.callId, role: "callee" });
									store.set({ incomingCall: null });
								})
							}
						>
							Answer
						</button>
						<button
							type="button"
							class="danger"
							onClick={() =>
								act.run(async () => {
									await client.rtc.reject(incoming.callId);
									store.set({ incomingCall: null });
								})
							}
						>
							Reject
						</button>
					</div>
				</div>
			)}
			<h2>Start a call</h2>
			<div class="row">
				<select aria-label="Callee" value={callee} onChange={(e) => setCallee((e.target as HTMLSelectElement).value)}>
					<option value="">Choose a friend…</option>
					{friends.map((f) => (
						<option key={f.userId} value={f.userId}>
							{f.remark || f.userInfo.nickname}
						</option>
					))}
				</select>
				<select
					aria-label="Call type"
					value={callType}
					onChange={(e) => setCallType((e.target as HTMLSelectElement).value as "audio" | "video")}
				>
					<option value="audio">Audio</option>
					<option value="video">Video</option>
				</select>
				<button
					type="button"
					class="primary"
					disabled={!callee || act.busy}
					onClick={() =>
						act.run(async () =>
							setTicket({ ...(await client.rtc.startCall({ calleeId: callee, callType })), role: "caller" }),
						)
					}
				>
					Call
				</button>
			</div>
			{ticket && (
				<div class="card" data-testid="call">
					<div>
						You are the {ticket.role} · room <strong>{ticket.roomName}</strong>
						{ticket.livekitUrl && <> · LiveKit {ticket.livekitUrl}</>}
					</div>
					<div class="muted">LiveKit token:</div>
					<div class="token">{ticket.token}</div>
					<div class="row">
						<button
							type="button"
							class="danger"
							disabled={!current}
							onClick={() =>
								act.run(async () => {
									await client.rtc.end(current);
									setTicket(null);
									await reload();
								})
							}
						>
							End call
						</button>
						<button
							type="button"
							disabled={!current}
							onClick={() =>
								act.run(async () => {
									const c = await client.rtc.call(current);
									store.set({ notice: `Call is ${c.status}` });
								})
							}
						>
							Refresh state
						</button>
					</div>
				</div>
			)}
			{events.length > 0 && (
				<>
					<h3>Call events</h3>
					<ul class="list">
						{events.map((e, i) => (
							<li key={i}>{e}</li>
						))}
					</ul>
				</>
			)}
			<h2>Recent calls</h2>
			<ErrorBox error={load.error} />
			<ul class="list" aria-label="Recent calls">
				{history.map((c) => (
					<li key={c.callId}>
						<span class="grow">
							{personName(c.callerId)} → {personName(c.calleeId)} · {c.callType}
						</span>
						<span class="muted">
							{c.status} · {time(c.startedAt)}
							{c.duration ? ` · ${c.duration}s` : ""}
						</span>
					</li>
				))}
				{!history.length && !load.error && <li class="muted">No calls yet.</li>}
			</ul>
		</section>
	);
}
