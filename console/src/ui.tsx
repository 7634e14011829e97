import type { ComponentChildren } from "preact";
import { useCallback, useState } from "preact/hooks";
import { describeError } from "../../client";

/** Runs an async action, tracks busy state and keeps the error in words for display. */
export function useAction() {
	const [busy, setBusy] = useState(false);
	const [error, setError] = useState("");
	const run = useCallback(async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
		setBusy(true);
		setError("");
		try {
			return await fn();
		} catch (e) {
			setError(describeError(e));
			return undefined;
		} finally {
			setBusy(false);
		}
	}, []);
	return { run, busy, error, setError };
}

export function ErrorBox({ error }: { error: string }) {
	return error ? (
		<div class="error" role="alert">
			{error}
		</div>
	) : null;
}

export function Field(props: {
	label: string;
	value: string;
	onInput: (v: string) => void;
	type?: "text" | "password" | "email";
	name?: string;
	placeholder?: string;
	autoComplete?: string;
}) {
	return (
		<label>
			<span>{props.label}</span>
			<input
				name={props.name}
				// Preact's types tie role/list to each input type; every type used here takes the same attributes.
				type={(props.type ?? "text") as "text"}
				value={props.value}
				placeholder={props.placeholder}
				autoComplete={props.autoComplete}
				onInput={(e) => props.onInput((e.target as HTMLInputElement).value)}
			/>
		</label>
	);
}

export function Section(props: { title: string; children: ComponentChildren }) {
	return (
		<section>
			<h2>{props.title}</h2>
			{props.children}
		</section>
	);
}

/** Today's times as hours and minutes, older ones with the date. */
export const time = (s: number) => {
	if (!s) return "";
	const d = new Date(s * 1000);
	return d.toDateString() === new Date().toDateString()
		? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
		: d.toLocaleString([], { dateStyle: "short", timeStyle: "short" });
};
