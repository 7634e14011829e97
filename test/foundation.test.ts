import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, fails, ok } from "./fixtures/api";
import { registerUser } from "./fixtures/users";
import { connect } from "./fixtures/ws";

describe("foundation", () => {
	it("serves /health", async () => {
		const res = await SELF.fetch("http://x/health");
		expect(await res.json()).toEqual({ status: "ok", service: "gateway-service" });
	});

	it("registers, reads the profile and pings over the live channel", async () => {
		const u = await registerUser();
		const me = await ok("GET", "/users/me", { token: u.token });
		expect(me.userId).toBe(u.userId);
		const s = await connect(u.token);
		s.send({ type: "ping" });
		await s.waitForMessages((f) => f.type === "pong");
		s.close();
	});

	it("answers an unknown route with the envelope", async () => {
		await fails("GET", "/nope", 404, 404);
		const res = await call("POST", "/auth/login", { raw: "{", contentType: "application/json" });
		expect(res.status).toBe(400);
	});
});
