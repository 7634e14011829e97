/** Unix seconds: every time on the wire and in D1 (WIRE-PROFILE §2). */
export const now = () => Math.floor(Date.now() / 1000);

/** The UTC calendar day (YYYY-MM-DD) of a Unix time: the key of the daily message counter. */
export const utcDay = (t = now()) => new Date(t * 1000).toISOString().slice(0, 10);
