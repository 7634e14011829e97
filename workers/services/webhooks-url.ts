/**
 * Where a server hook may point. Production: https to a public host only — no loopback,
 * private, link-local, carrier-grade NAT, multicast or reserved addresses, no `localhost`, no
 * single-label or `.local`/`.internal` names, no credentials in the URL. Development: http and
 * private addresses too (a bot on the same machine). A public name that resolves to a private
 * address cannot be seen here; Workers' own fetch does not reach private networks anyway.
 */

/** IPv4 blocks a production hook may not name: [first octets as a number, prefix length]. */
const PRIVATE_V4: [string, number][] = [
	["0.0.0.0", 8],
	["10.0.0.0", 8],
	["100.64.0.0", 10],
	["127.0.0.0", 8],
	["169.254.0.0", 16],
	["172.16.0.0", 12],
	["192.0.0.0", 24],
	["192.0.2.0", 24],
	["192.168.0.0", 16],
	["198.18.0.0", 15],
	["198.51.100.0", 24],
	["203.0.113.0", 24],
	["224.0.0.0", 4],
	["240.0.0.0", 4],
];

const v4Number = (ip: string) => ip.split(".").reduce((n, part) => n * 256 + Number(part), 0);

function isPrivateV4(ip: string): boolean {
	const n = v4Number(ip);
	return PRIVATE_V4.some(([base, bits]) => {
		const size = 2 ** (32 - bits);
		return Math.floor(n / size) === Math.floor(v4Number(base) / size);
	});
}

/** Bracket-less IPv6 literal (URL keeps it compressed and lower-case). */
function isPrivateV6(ip: string): boolean {
	if (ip === "::" || ip === "::1") return true;
	// IPv4-mapped (::ffff:a.b.c.d, which URL writes as ::ffff:xxxx:xxxx) and IPv4-compatible forms.
	const mapped = /^::(ffff:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(ip);
	if (mapped) {
		const hi = Number.parseInt(mapped[2]!, 16);
		const lo = Number.parseInt(mapped[3]!, 16);
		return isPrivateV4(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
	}
	const first = Number.parseInt(ip.split(":")[0] || "0", 16);
	// fc00::/7 unique local, fe80::/10 link-local, ff00::/8 multicast, 2001:db8::/32 documentation.
	return (
		(first & 0xfe00) === 0xfc00 ||
		(first & 0xffc0) === 0xfe80 ||
		(first & 0xff00) === 0xff00 ||
		ip.startsWith("2001:db8:")
	);
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Why `raw` may not be a hook URL here, or null when it may. */
export function webhookUrlProblem(raw: string, production: boolean): string | null {
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		return "url must be an absolute URL";
	}
	const allowed = production ? ["https:"] : ["https:", "http:"];
	if (!allowed.includes(url.protocol)) return production ? "url must use https" : "url must use http or https";
	if (url.username || url.password) return "url must not carry credentials";
	if (!production) return null;
	// URL has normalised every IPv4 spelling (decimal, hex, short forms) to dotted quads already.
	const host = url.hostname.toLowerCase().replace(/\.$/, "");
	if (host.startsWith("[")) return isPrivateV6(host.slice(1, -1)) ? "url must not name a private address" : null;
	if (IPV4.test(host)) return isPrivateV4(host) ? "url must not name a private address" : null;
	if (host === "localhost" || host.endsWith(".localhost")) return "url must not name a private address";
	if (!host.includes(".") || /\.(local|internal|lan|home|arpa)$/.test(host)) return "url must name a public host";
	return null;
}
