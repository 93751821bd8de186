import { exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { admin } from "./helpers.ts";

describe("admin API auth", () => {
  for (const path of ["/config", "/health", "/metrics", "/nope"]) {
    it(`GET /_edgeway${path} without a token is 401`, async ({ expect }) => {
      const res = await exports.default.fetch(`http://edgeway.test/_edgeway${path}`);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
      expect(((await res.json()) as { error: string }).error).toMatch(/bearer token/);
    });
  }

  it("a wrong token is 401, also one that shares a prefix", async ({ expect }) => {
    for (const token of ["wrong", "test-admin-toke", "test-admin-token-x", ""]) {
      const res = await admin("/health", { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(401);
    }
  });

  it("PUT with a wrong token stores nothing", async ({ expect }) => {
    const res = await admin("/config", { method: "PUT", body: "{}", headers: { authorization: "Bearer nope" } });
    expect(res.status).toBe(401);
    expect((await admin("/config")).status).toBe(404);
  });

  it("the right token is accepted; an unknown admin path is a JSON 404", async ({ expect }) => {
    expect((await admin("/metrics")).status).toBe(200);
    const res = await admin("/does-not-exist");
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe("not_found");
  });
});
