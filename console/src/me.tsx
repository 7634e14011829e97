import { useEffect, useState } from "preact/hooks";
import type { UserProfile } from "../../client";
import { client, deviceId, logout, rememberPerson, store } from "./session";
import { useStore } from "./store";
import { ErrorBox, Field, useAction } from "./ui";

export function MeView() {
	const status = useStore(store, (s) => s.status);
	const [profile, setProfile] = useState<UserProfile | null>(null);
	const [nickname, setNickname] = useState("");
	const [signature, setSignature] = useState("");
	const [oldPassword, setOld] = useState("");
	const [newPassword, setNew] = useState("");
	const act = useAction();

	useEffect(() => {
		void act.run(async () => {
			const p = await client.users.me();
			setProfile(p);
			setNickname(p.nickname);
			setSignature(p.signature);
		});
	}, []);

	return (
		<section>
			<ErrorBox error={act.error} />
			<h2>Me</h2>
			{profile && (
				<p class="muted">
					User ID <span data-testid="my-user-id">{profile.userId}</span> · {profile.email || profile.phone} · device{" "}
					{deviceId()} · live channel: {status}
				</p>
			)}
			<form
				onSubmit={(e) => {
					e.preventDefault();
					void act.run(async () => {
						const p = await client.users.updateMe({ nickname, signature });
						setProfile(p);
						rememberPerson(p.userId, p);
						store.set({ me: { userId: p.userId, nickname: p.nickname }, notice: "Profile saved." });
					});
				}}
			>
				<Field label="Nickname" value={nickname} onInput={setNickname} />
				<Field label="Signature" value={signature} onInput={setSignature} />
				<button type="submit" disabled={act.busy}>
					Save profile
				</button>
			</form>
			<h3>Change password</h3>
			<form
				onSubmit={(e) => {
					e.preventDefault();
					void act.run(async () => {
						await client.auth.changePassword({ oldPassword, newPassword });
						setOld("");
						setNew("");
						store.set({ notice: "Password changed; your other devices were signed out." });
					});
				}}
			>
				<Field
					label="Current password"
					type="password"
					value={oldPassword}
					onInput={setOld}
					autoComplete="current-password"
				/>
				<Field label="New password" type="password" value={newPassword} onInput={setNew} autoComplete="new-password" />
				<button type="submit" disabled={act.busy || !oldPassword || !newPassword}>
					Change password
				</button>
			</form>
			<p>
				<button type="button" class="danger" onClick={() => void logout()}>
					Log out
				</button>
			</p>
		</section>
	);
}
