import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { refuseOtherMethods } from "../../lib/collections";
import { info } from "./info";
import { members } from "./members";
import { requests } from "./requests";
import { settings } from "./settings";

/**
 * `/api/v1/groups`, one sub-app per sub-resource, mounted in the order their routes must be
 * matched (and listed): the group itself, its members, its settings and the caller's membership,
 * join requests. The 405 refusals come last and see every route (they read this app's table).
 */
export const groups = new Hono<AppEnv>();

groups.route("/", info);
groups.route("/", members);
groups.route("/", settings);
groups.route("/", requests);

// Methods these paths do not serve get a 405 naming the missing ID, not the generic 404.
refuseOtherMethods(groups, "/", "group ID");
refuseOtherMethods(groups, "/:id/members", "member's user ID");
refuseOtherMethods(groups, "/:id/requests", "join request ID");
