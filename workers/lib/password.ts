const ITERATIONS = 100_000;
const enc = new TextEncoder();

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unb64 = (s: string) => Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
	const key = await crypto.subtle.importKey("raw", enc.encode(password), "PBKDF2", false, ["deriveBits"]);
	const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
	return new Uint8Array(bits);
}

/** PBKDF2-SHA256, per-user random salt, stored as `pbkdf2$<iterations>$<salt>$<hash>`. */
export async function hashPassword(password: string): Promise<string> {
	const salt = crypto.getRandomValues(new Uint8Array(16));
	return `pbkdf2$${ITERATIONS}$${b64(salt)}$${b64(await derive(password, salt, ITERATIONS))}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
	const [scheme, iter, salt, hash] = stored.split("$");
	if (scheme !== "pbkdf2" || !iter || !salt || !hash) return false;
	const expected = unb64(hash);
	const actual = await derive(password, unb64(salt), Number(iter));
	return expected.length === actual.length && crypto.subtle.timingSafeEqual(expected, actual);
}

/** 8–32 bytes with at least one ASCII letter and one digit (auth.md). */
export const isStrongPassword = (p: string) => {
	const bytes = enc.encode(p).length;
	return bytes >= 8 && bytes <= 32 && /[A-Za-z]/.test(p) && /\d/.test(p);
};
