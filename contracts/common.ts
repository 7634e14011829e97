import { z } from "zod";

/** Unix seconds, as every time on the wire is (WIRE-PROFILE §2). */
export const UnixSeconds = z.number().int().nonnegative().describe("Unix time in seconds");

export const envelopeOf = <T extends z.ZodType>(data: T) =>
	z.object({ code: z.number().int(), message: z.string(), data });

export const ErrorEnvelope = z.object({ code: z.number().int(), message: z.string(), data: z.null() });

/** Query integers arrive as strings; out-of-range values are a 400, never silently replaced. */
export const queryInt = (name: string, min: number, max: number) =>
	z.coerce
		.number({ error: `${name} must be an integer` })
		.int(`${name} must be an integer`)
		.min(min, `${name} must be at least ${min}`)
		.max(max, `${name} must be at most ${max}`);

export const PageQuery = z.object({
	page: queryInt("page", 1, 1_000_000).default(1),
	pageSize: queryInt("pageSize", 1, 100).default(20),
});

export const pageOf = <T extends z.ZodType>(item: T) =>
	z.object({ list: z.array(item), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() });

export const DeviceType = z
	.string({ error: "deviceType is required" })
	// On the input side: a transform's own metadata describes its output.
	.meta({ examples: ["iOS"] })
	.transform((v, ctx) => {
		const canonical = ({ ios: "iOS", android: "Android", web: "Web", pc: "PC" } as const)[
			v.toLowerCase() as "ios" | "android" | "web" | "pc"
		];
		if (!canonical) {
			ctx.addIssue({ code: "custom", message: "deviceType must be one of iOS, Android, Web, PC" });
			return z.NEVER;
		}
		return canonical;
	})
	.describe("iOS, Android, Web or PC (case-insensitive; echoed canonically)");

export const DeviceId = z
	.string({ error: "deviceId is required" })
	.min(1, "deviceId must not be empty")
	.max(100, "deviceId must be at most 100 characters");

/** Opaque string IDs in paths. */
export const IdParam = (name: string) => z.string().min(1, `${name} must not be empty`).max(64, `${name} is too long`);
