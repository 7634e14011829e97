import { useEffect, useState } from "preact/hooks";

/** A minimal observable store: views subscribe with useStore and re-render on change. */
export class Store<S extends object> {
	private listeners = new Set<() => void>();
	constructor(public state: S) {}

	set(patch: Partial<S> | ((s: S) => Partial<S>)) {
		const p = typeof patch === "function" ? patch(this.state) : patch;
		this.state = { ...this.state, ...p };
		for (const l of [...this.listeners]) l();
	}

	subscribe(l: () => void) {
		this.listeners.add(l);
		return () => this.listeners.delete(l);
	}
}

export function useStore<S extends object, T>(store: Store<S>, select: (s: S) => T): T {
	const [, force] = useState(0);
	useEffect(() => store.subscribe(() => force((n) => n + 1)), [store]);
	return select(store.state);
}
