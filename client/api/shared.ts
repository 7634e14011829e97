/**
 * What the API modules share: request and response types inferred from the zod schemas in
 * contracts/ (type-only imports: no zod in the bundle), and path-segment encoding.
 */
import type { z } from "zod";

export type In<T extends z.ZodType> = z.input<T>;
export type Out<T extends z.ZodType> = z.output<T>;

export const enc = encodeURIComponent;
