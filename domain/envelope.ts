import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export interface Envelope<T> {
	code: number;
	message: string;
	data: T | null;
}

export const ok = <T>(c: Context, data: T | null = null) =>
	c.json<Envelope<T>>({ code: 0, message: "success", data: data ?? null }, 200);

export const errorBody = (code: number, message: string): Envelope<never> => ({ code, message, data: null });

export const fail = (c: Context, status: ContentfulStatusCode, code: number, message: string) =>
	c.json(errorBody(code, message), status);
