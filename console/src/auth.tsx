import { useState } from "preact/hooks";
import { client, deviceId, startSession } from "./session";
import { ErrorBox, Field, useAction } from "./ui";

const CLIENT_VERSION = "console-1.0";

export function AuthScreen({ notice }: { notice: string }) {
	const [mode, setMode] = useState<"login" | "register">("login");
	const [account, setAccount] = useState("");
	const [password, setPassword] = useState("");
	const [nickname, setNickname] = useState("");
	const [verifyCode, setVerifyCode] = useState("000000");
	const { run, busy, error } = useAction();

	const submit = (e: Event) => {
		e.preventDefault();
		void run(async () => {
			const device = { deviceType: "Web", deviceId: deviceId(), clientVersion: CLIENT_VERSION };
			if (mode === "login") {
				await client.auth.login({ account, password, ...device });
			} else {
				const contact = account.includes("@") ? { email: account } : { phoneNumber: account };
				await client.auth.register({ ...contact, password, nickname: nickname || undefined, verifyCode, ...device });
			}
			await startSession();
		});
	};

	return (
		<div class="auth">
			<h2>AnyChat Edge</h2>
			{notice && <div class="info">{notice}</div>}
			<div class="row">
				<button type="button" class={mode === "login" ? "primary" : ""} onClick={() => setMode("login")}>
					Log in
				</button>
				<button type="button" class={mode === "register" ? "primary" : ""} onClick={() => setMode("register")}>
					Register
				</button>
			</div>
			<form onSubmit={submit} aria-label={mode === "login" ? "Log in" : "Register"}>
				<Field label="Email or phone" name="account" value={account} onInput={setAccount} autoComplete="username" />
				<Field
					label="Password"
					name="password"
					type="password"
					value={password}
					onInput={setPassword}
					autoComplete={mode === "login" ? "current-password" : "new-password"}
				/>
				{mode === "register" && (
					<>
						<Field label="Nickname" name="nickname" value={nickname} onInput={setNickname} />
						<Field label="Verification code" name="verifyCode" value={verifyCode} onInput={setVerifyCode} />
					</>
				)}
				<ErrorBox error={error} />
				<button class="primary" type="submit" disabled={busy}>
					{mode === "login" ? "Log in" : "Create account"}
				</button>
			</form>
			<p class="muted">This tab is device {deviceId().slice(0, 16)}… — another tab logs in as another device.</p>
		</div>
	);
}
