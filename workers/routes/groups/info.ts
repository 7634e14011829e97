import { Hono } from "hono";
import {
	CreateGroupRequest,
	Group,
	GroupIdParam,
	GroupList,
	GroupListQuery,
	UpdateGroupRequest,
} from "../../../contracts/groups";
import { ok } from "../../../domain/envelope";
import { now } from "../../../domain/time";
import type { AppEnv } from "../../env";
import { requireUser } from "../../lib/auth";
import { doc, validate } from "../../lib/validate";
import { asOwner, createGroup, dissolveGroup, groupFor, listGroupsFor, updateGroup } from "../../services/groups";
import { rateLimitNote } from "../../services/rate-limits";
import { LIMIT_RULE, tags } from "./docs";

/** The group itself: create, list mine, read, update, dissolve. */
export const info = new Hono<AppEnv>();

info.post(
	"/",
	requireUser,
	doc({
		summary: "Create a group; the caller is its owner and memberIds join as members",
		description: `Every member gets \`group.member_joined\`. ${LIMIT_RULE} A new group's maxMembers is the
runtime setting \`group.max_members\` at creation time: the value an admin stored with
PUT /api/v1/admin/config/group.max_members (applies to groups created afterwards, no redeploy), else the
deployment variable GROUP_MAX_MEMBERS, else 500. Existing groups keep their limit. Unknown member IDs are a 400.
${rateLimitNote("RATE_GROUP_CREATE")}`,
		tags,
		response: Group,
	}),
	validate("json", CreateGroupRequest),
	async (c) => ok(c, await createGroup(c.env, c.var.auth.userId, c.req.valid("json"))),
);

info.get(
	"/",
	requireUser,
	doc({
		summary: "My groups (all, or changed since lastUpdateTime including ones I left or that were dissolved)",
		description:
			"With lastUpdateTime (Unix seconds) the list holds groups whose membership or group data changed at or after it; a group left or dissolved comes back with `isDeleted: true`. Send `updateTime` next time.",
		tags,
		response: GroupList,
	}),
	validate("query", GroupListQuery),
	async (c) => {
		const { lastUpdateTime } = c.req.valid("query");
		const updateTime = now();
		const list = await listGroupsFor(c.env, c.var.auth.userId, lastUpdateTime);
		return ok(c, { groups: list, total: list.length, updateTime });
	},
);

info.get(
	"/:id",
	requireUser,
	doc({
		summary: 'A group\'s information (any logged-in user; myRole is "" for non-members)',
		description: "Missing or dissolved: 404 40101.",
		tags,
		response: Group,
	}),
	validate("param", GroupIdParam),
	async (c) => ok(c, await groupFor(c.env, c.req.valid("param").id, c.var.auth.userId)),
);

info.put(
	"/:id",
	requireUser,
	doc({
		summary: "Update group information (owner/admin; only present keys change)",
		description: "Non-member 403 40105, plain member 403 40108. Members get `group.info_updated`.",
		tags,
		response: Group,
	}),
	validate("param", GroupIdParam),
	validate("json", UpdateGroupRequest),
	async (c) => ok(c, await updateGroup(c.env, c.req.valid("param").id, c.var.auth.userId, c.req.valid("json"))),
);

info.delete(
	"/:id",
	requireUser,
	doc({
		summary: "Dissolve the group (owner only)",
		description:
			"Non-member 403 40105, not owner 403 40107. Every member gets `group.disbanded`; afterwards every lookup of the group is 404 40101.",
		tags,
	}),
	validate("param", GroupIdParam),
	async (c) => {
		const { group } = await asOwner(c.env, c.req.valid("param").id, c.var.auth.userId);
		await dissolveGroup(c.env, group, c.var.auth.userId);
		return ok(c);
	},
);
