import { Hono } from "hono";
import { GroupIdParam, MuteRequest, NicknameRequest, TransferRequest } from "../../../contracts/groups";
import { ok } from "../../../domain/envelope";
import type { AppEnv } from "../../env";
import { requireUser } from "../../lib/auth";
import { doc, validate } from "../../lib/validate";
import { handOver, quitGroup, setGroupNickname, setMuted } from "../../services/group-members";
import { tags } from "./docs";

/** The group-wide mute, the caller's own membership (nickname, quitting) and handing over ownership. */
export const settings = new Hono<AppEnv>();

settings.put(
	"/:id/mute",
	requireUser,
	doc({
		summary: "Mute or unmute the whole group (owner/admin) — an addition to the contract",
		description:
			'Plain member 403 40108. While muted only the owner and admins may send. Members get `group.muted` with userId "".',
		tags,
	}),
	validate("param", GroupIdParam),
	validate("json", MuteRequest),
	async (c) => {
		await setMuted(c.env, c.req.valid("param").id, c.var.auth.userId, "", c.req.valid("json").muted);
		return ok(c);
	},
);

settings.put(
	"/:id/nickname",
	requireUser,
	doc({ summary: 'Set my nickname in the group ("" clears it); members only (403 40105)', tags }),
	validate("param", GroupIdParam),
	validate("json", NicknameRequest),
	async (c) => {
		await setGroupNickname(c.env, c.req.valid("param").id, c.var.auth.userId, c.req.valid("json").nickname);
		return ok(c);
	},
);

settings.post(
	"/:id/quit",
	requireUser,
	doc({
		summary: "Leave the group",
		description:
			"Non-member 403 40105. The owner cannot leave while others remain (403 40116: transfer or dissolve first); an owner who is the only member dissolves the group. Members and the leaver get `group.member_left` (reason self_quit).",
		tags,
	}),
	validate("param", GroupIdParam),
	async (c) => {
		await quitGroup(c.env, c.req.valid("param").id, c.var.auth.userId);
		return ok(c);
	},
);

settings.post(
	"/:id/transfer",
	requireUser,
	doc({
		summary: "Hand ownership to another member (owner only); the old owner becomes an admin",
		description:
			"Not owner 403 40107; new owner not a member 403 40105. Members get `group.role_changed` for both users.",
		tags,
	}),
	validate("param", GroupIdParam),
	validate("json", TransferRequest),
	async (c) => {
		await handOver(c.env, c.req.valid("param").id, c.var.auth.userId, c.req.valid("json").newOwnerId);
		return ok(c);
	},
);
