/**
 * Who may register what, end to end on workerd: an id belongs to its registrant (another
 * token gets 409, the same token needs the secret); a token scoped to pool A cannot
 * register into pool B; the per-pool and global maximums and the per-token rate limit
 * answer 409 and 429 (with Retry-After) and lose nothing already registered; a malformed
 * REGISTER_TOKENS is reported, not a crash, and leaves the admin token working.
 */
import { describe, inject, it } from "vitest";
import { admin, useConfig } from "../worker/helpers.ts";
import { LOCAL_POLICY, SECRET_HEADER, callAs, register, registerAs, registeredIds, removeAll, tokens } from "./registration-helpers.ts";

const TEAM_A = "team-a-token-0123456789";
const TEAM_B = "team-b-token-0123456789";

async function poolsAB(maxOrigins = 50): Promise<void> {
  const all = inject("origins");
  await useConfig({
    origins: [{ id: "o23", url: all.o23 }],
    pools: [
      { id: "a", origins: ["o23"], registration: { ...LOCAL_POLICY, maxOrigins } },
      { id: "b", origins: ["o23"], registration: LOCAL_POLICY },
    ],
    routes: [{ id: "r", pools: ["a", "b"] }],
  });
}

describe("registrants, scopes and limits", () => {
  it("a second registrant cannot take over an id; the first needs its secret; the admin token can remove it", async ({ expect }) => {
    await poolsAB();
    const all = inject("origins");
    const bindings = tokens({ "team-a": { token: TEAM_A, pools: ["*"] }, "team-b": { token: TEAM_B, pools: ["*"] } });
    const mine = { id: "svc-t", url: all.o24, pool: "a" };
    const created = await registerAs(TEAM_A, bindings, mine);
    expect(created.status).toBe(201);
    expect(created.body.registrant).toBe("team-a");
    const secret = created.body.secret ?? "";

    const takeover = await registerAs(TEAM_B, bindings, { ...mine, url: all.o23 }, secret);
    expect(takeover.status).toBe(409);
    expect(takeover.body).toMatchObject({ code: "id_registered_by_another", rule: "id" });
    expect(takeover.body.error).toMatch(/token "team-a"/);
    const noSecret = await registerAs(TEAM_A, bindings, { ...mine, url: all.o23 });
    expect(noSecret.body).toMatchObject({ code: "registration_secret_required", rule: SECRET_HEADER });
    const wrongSecret = await registerAs(TEAM_A, bindings, { ...mine, url: all.o23 }, "not-the-secret");
    expect(wrongSecret.body).toMatchObject({ code: "registration_secret_mismatch" });
    const adminTakeover = await register({ ...mine, url: all.o23 });
    expect(adminTakeover.status).toBe(409);
    // Nothing moved.
    const listed = (await (await admin("/register")).json()) as { registrations: { id: string; url: string; registrant: string }[] };
    expect(listed.registrations).toEqual([expect.objectContaining({ id: "svc-t", url: all.o24, registrant: "team-a" })]);

    expect((await registerAs(TEAM_A, bindings, mine, secret)).body.result).toBe("heartbeat");
    expect((await registerAs(TEAM_A, bindings, { ...mine, weight: 0.5 }, secret)).body.result).toBe("updated");
    const otherDelete = await callAs(TEAM_B, "/register/svc-t", { method: "DELETE", headers: { [SECRET_HEADER]: secret } }, bindings);
    expect(otherDelete.status).toBe(409);
    expect(await registeredIds()).toEqual(["svc-t"]);
    expect((await admin("/register/svc-t", { method: "DELETE" })).status).toBe(200);
    expect(await registeredIds()).toEqual([]);
  });

  it("a token scoped to pool a cannot register into pool b; the audit trail names the token", async ({ expect }) => {
    await poolsAB();
    const bindings = tokens({ "team-a": { token: TEAM_A, pools: ["a"] } });
    const url = inject("origins").o24;
    const refused = await registerAs(TEAM_A, bindings, { id: "svc-s", url, pool: "b" });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: "pool_not_allowed_for_token", rule: "REGISTER_TOKENS.team-a.pools" });
    expect(await registeredIds()).toEqual([]);
    const created = await registerAs(TEAM_A, bindings, { id: "svc-s", url, pool: "a" });
    expect(created.status).toBe(201);
    const secretOfS = created.body.secret ?? "";
    // A scoped token touches nothing else.
    expect((await callAs(TEAM_A, "/config", {}, bindings)).status).toBe(401);
    // A registration token lists only what it registered.
    expect((await register({ id: "svc-admin", url, pool: "b" })).status).toBe(201);
    const mine = (await (await callAs(TEAM_A, "/register", {}, bindings)).json()) as { total: number; registrations: { id: string }[] };
    expect(mine.registrations.map((r) => r.id)).toEqual(["svc-s"]);
    expect(mine.total).toBe(1);
    const audit = (await (await admin("/audit?limit=5")).json()) as { entries: { actor: string; summary: string }[] };
    expect(audit.entries.find((e) => e.summary.startsWith("svc-s created"))).toMatchObject({ actor: "team-a" });
    // A person named in x-edgeway-actor is the actor; the trail still names the token.
    const gone = await callAs(
      TEAM_A,
      "/register/svc-s",
      { method: "DELETE", headers: { "x-edgeway-actor": "deploy-bot", [SECRET_HEADER]: secretOfS } },
      bindings,
    );
    expect(gone.status).toBe(200);
    const after = (await (await admin("/audit?limit=5")).json()) as { entries: { actor: string; summary: string }[] };
    expect(after.entries[0]).toMatchObject({ actor: "deploy-bot", summary: "svc-s deregistered (token team-a)" });
    await removeAll();
  });

  it("the per-pool maximum answers 409 and keeps what is registered", async ({ expect }) => {
    await poolsAB(2);
    const url = inject("origins").o24;
    expect((await register({ id: "m-1", url, pool: "a" })).status).toBe(201);
    expect((await register({ id: "m-2", url, pool: "a" })).status).toBe(201);
    const third = await register({ id: "m-3", url, pool: "a" });
    expect(third.status).toBe(409);
    expect(third.body).toMatchObject({ code: "pool_registration_limit", rule: "registration.maxOrigins" });
    // Another pool still has room; a heartbeat in the full pool still works.
    expect((await register({ id: "m-3", url, pool: "b" })).status).toBe(201);
    expect(await registeredIds()).toEqual(["m-1", "m-2", "m-3"]);
    await removeAll();
  });

  it("the global maximum answers 409 and keeps what is registered", async ({ expect }) => {
    await poolsAB();
    const url = inject("origins").o24;
    const limit = { EDGEWAY_MAX_REGISTRATIONS: "2" };
    const admins = (id: string, pool: string) => registerAs("test-admin-token", limit, { id, url, pool });
    expect((await admins("g-1", "a")).status).toBe(201);
    expect((await admins("g-2", "b")).status).toBe(201);
    const third = await admins("g-3", "b");
    expect(third.status).toBe(409);
    expect(third.body).toMatchObject({ code: "registration_limit", rule: "EDGEWAY_MAX_REGISTRATIONS" });
    expect(await registeredIds()).toEqual(["g-1", "g-2"]);
    await removeAll();
  });

  it("the per-token rate limit answers 429 with Retry-After and keeps what is registered", async ({ expect }) => {
    await poolsAB();
    const url = inject("origins").o24;
    const bindings = tokens({ "team-rate": { token: TEAM_A, pools: ["a"], ratePerMinute: 3 } });
    const first = await registerAs(TEAM_A, bindings, { id: "r-1", url, pool: "a" });
    expect(first.status).toBe(201);
    expect((await registerAs(TEAM_A, bindings, { id: "r-1", url, pool: "a" }, first.body.secret)).status).toBe(200);
    expect((await registerAs(TEAM_A, bindings, { id: "r-2", url, pool: "a" })).status).toBe(201);
    const limited = await registerAs(TEAM_A, bindings, { id: "r-3", url, pool: "a" });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: "rate_limited" });
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(20);
    // Another token is not held back; nothing registered was lost.
    const other = tokens({ "team-rate": { token: TEAM_A, pools: ["a"], ratePerMinute: 3 }, "team-other": { token: TEAM_B, pools: ["a"] } });
    expect((await registerAs(TEAM_B, other, { id: "r-3", url, pool: "a" })).status).toBe(201);
    expect(await registeredIds()).toEqual(["r-1", "r-2", "r-3"]);
    await removeAll();
  });

  it("the Workers rate limiting binding, when bound, is asked first, keyed by the token's name; a failing binding refuses nothing", async ({
    expect,
  }) => {
    await poolsAB();
    const url = inject("origins").o24;
    const keys: string[] = [];
    const limiter = (success: boolean | "throw") => ({
      limit: async ({ key }: { key: string }) => {
        keys.push(key);
        if (success === "throw") throw new Error("binding unavailable");
        return { success };
      },
    });
    const scoped = tokens({ "team-bound": { token: TEAM_A, pools: ["a"] } });
    const refused = await registerAs(TEAM_A, { ...scoped, REGISTER_RATE_LIMITER: limiter(false) }, { id: "b-1", url, pool: "a" });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: "rate_limited", rule: "REGISTER_RATE_LIMITER" });
    expect(refused.headers.get("retry-after")).toBe("60");
    expect(await registeredIds()).toEqual([]);
    expect((await registerAs(TEAM_A, { ...scoped, REGISTER_RATE_LIMITER: limiter("throw") }, { id: "b-1", url, pool: "a" })).status).toBe(
      201,
    );
    expect(keys).toEqual(["team-bound", "team-bound"]);
    await removeAll();
  });

  it("a malformed REGISTER_TOKENS is reported without its content, and the admin token still works", async ({ expect }) => {
    await poolsAB();
    const url = inject("origins").o24;
    const broken = { REGISTER_TOKENS: `{"team-a": {"token": "${TEAM_A}", "pools": ` };
    const res = await registerAs(TEAM_A, broken, { id: "x-1", url, pool: "a" });
    expect(res.status).toBe(503);
    expect(res.body.code).toBe("register_tokens_invalid");
    expect(res.body.error).toMatch(/REGISTER_TOKENS is not valid JSON/);
    expect(JSON.stringify(res.body)).not.toContain(TEAM_A);
    const wrongShape = await registerAs(TEAM_A, tokens({ "team-a": { token: "short", pools: [] } }), { id: "x-1", url, pool: "a" });
    expect(wrongShape.status).toBe(503);
    expect(wrongShape.body.error).toMatch(/team-a\.token: must be at least 16 characters/);
    expect(wrongShape.body.error).toMatch(/team-a\.pools/);
    expect((await registerAs("test-admin-token", broken, { id: "x-1", url, pool: "a" })).status).toBe(201);
    await removeAll();
  });
});
