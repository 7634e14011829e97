import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { calls } from "./calls";
import { meetings } from "./meetings";

/** `/api/v1/rtc`, one sub-app per sub-resource, mounted in the order their routes are matched (and listed). */
export const rtc = new Hono<AppEnv>();

rtc.route("/", calls);
rtc.route("/", meetings);
