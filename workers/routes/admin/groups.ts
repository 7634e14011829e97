import { Hono } from "hono";
import { z } from "zod";
import { AdminGroup } from "../../../contracts/admin";
import { IdParam } from "../../../contracts/common";
import { ok } from "../../../domain/envelope";
import { doc, validate } from "../../lib/validate";
import { type AdminEnv, actorOf, requireAdmin } from "../../services/admin-auth";
import { dissolveGroupAsAdmin, groupAccount } from "../../services/admin-users";
import { tags, writers } from "./shared";

/** `/groups`: one group, and its dissolution by the back office. */
export const groups = new Hono<AdminEnv>();

const GroupIdParam = z.object({ groupId: IdParam("groupId") });

groups.get(
	"/groups/:groupId",
	requireAdmin,
	doc({ summary: "One group (dissolved groups are 404, 40101)", tags, response: AdminGroup }),
	validate("param", GroupIdParam),
	async (c) => ok(c, await groupAccount(c.env, c.req.valid("param").groupId)),
);

groups.delete(
	"/groups/:groupId",
	requireAdmin,
	writers,
	doc({
		summary: "Dissolve a group as its owner would: members get group.disbanded, the conversation closes",
		tags,
	}),
	validate("param", GroupIdParam),
	async (c) => {
		await dissolveGroupAsAdmin(c.env, actorOf(c), c.req.valid("param").groupId);
		return ok(c, null);
	},
);
