/**
 * Service registration through the admin API, end to end: an origin registers into a
 * pool whose config has a registration policy, takes traffic, heartbeats with the secret
 * its first registration returned, and stops taking traffic once deregistered; a bad
 * registration gets a clear 4xx and stores nothing. REGISTER_TOKEN may register but not
 * touch the rest of the admin API. The health API and the list show who registered each
 * origin and under which policy, a page at a time.
 */
import { describe, inject, it } from "vitest";
import { admin, proxied, useConfig } from "../worker/helpers.ts";
import { LOCAL_POLICY, SECRET_HEADER, callAs, register, registerAs, registeredIds, removeAll } from "./registration-helpers.ts";

/** Sends n requests; counts the origins that served them (a non-200 counts under its status). */
async function servedBy(n: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const res = await proxied("/reg");
    await res.arrayBuffer();
    const id = res.status === 200 ? (res.headers.get("x-edgeway-origin") ?? "none") : `status ${res.status}`;
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

describe("registration", () => {
  it("a registration whose heartbeat lapsed is gone: no panic over it, every request to the live origin", async ({ expect }) => {
    const all = inject("origins");
    await useConfig({
      origins: [{ id: "o23", url: all.o23 }],
      pools: [{ id: "web", origins: ["o23"], steering: "round_robin", registration: LOCAL_POLICY }],
      routes: [{ id: "r", pools: ["web"] }],
    });
    try {
      for (const id of ["gone-1", "gone-2", "gone-3"])
        expect((await register({ id, url: all.o24, pool: "web", ttlSeconds: 1 })).status).toBe(201);
      // While they heartbeat they share the pool (round robin over four).
      const before = await servedBy(8);
      expect(before.o23, JSON.stringify(before)).toBe(2);
      // No more heartbeats: within a few snapshot refreshes (2 s each) all 30 go to o23. Before lapsed
      // registrations left panic, 1 healthy origin of 4 put the pool in panic and 22 of 30 went to the dead ones.
      const deadline = Date.now() + 12_000;
      let after = await servedBy(30);
      while (after.o23 !== 30 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        after = await servedBy(30);
      }
      expect(after).toEqual({ o23: 30 });
    } finally {
      await removeAll();
    }
  }, 20_000);

  it("registers into a pool, takes traffic, heartbeats with its secret, deregisters", async ({ expect }) => {
    const all = inject("origins");
    await useConfig({
      origins: [{ id: "o23", url: all.o23 }],
      pools: [{ id: "web", origins: ["o23"], steering: "round_robin", registration: LOCAL_POLICY }],
      routes: [{ id: "r", pools: ["web"] }],
    });
    const reg = { id: "svc-1", url: all.o24, pool: "web", region: "aws:us-east-1", ttlSeconds: 30 };
    const created = await register(reg);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: "svc-1",
      pool: "web",
      result: "created",
      ttlSeconds: 30,
      registrant: "admin-token",
      policy: { matched: "127.0.0.1/32" },
    });
    const secret = created.body.secret;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await servedBy(10)).toEqual({ o23: 5, "svc-1": 5 });

    const heartbeat = await register(reg, secret);
    expect(heartbeat.status).toBe(200);
    expect(heartbeat.body.result).toBe("heartbeat");
    expect(heartbeat.body.secret).toBeUndefined();

    const listed = (await (await admin("/register")).json()) as { total: number; registrations: Record<string, unknown>[] };
    expect(listed.total).toBe(1);
    expect(listed.registrations).toEqual([
      expect.objectContaining({
        id: "svc-1",
        healthy: true,
        registrant: "admin-token",
        policy: expect.objectContaining({ matched: "127.0.0.1/32" }),
      }),
    ]);
    expect(JSON.stringify(listed)).not.toContain(secret);
    const health = (await (await admin("/health")).json()) as { origins: Record<string, { registered?: unknown; pools: string[] }> };
    expect(health.origins["svc-1"]).toMatchObject({
      pools: ["web"],
      registered: expect.objectContaining({
        ttlSeconds: 30,
        registrant: "admin-token",
        policy: expect.objectContaining({ matched: "127.0.0.1/32" }),
      }),
    });
    expect(JSON.stringify(health)).not.toContain(secret);

    const removed = await admin("/register/svc-1", { method: "DELETE" });
    expect(removed.status).toBe(200);
    expect(await servedBy(6)).toEqual({ o23: 6 });
    expect((await admin("/register/svc-1", { method: "DELETE" })).status).toBe(404);
  });

  it("rejects a bad registration with a 4xx naming the problem, and stores nothing", async ({ expect }) => {
    const all = inject("origins");
    await useConfig({
      origins: [{ id: "o23", url: all.o23 }],
      pools: [{ id: "web", origins: ["o23"], registration: LOCAL_POLICY }],
      routes: [{ id: "r", pools: ["web"] }],
    });
    const cases: [unknown, number, RegExp][] = [
      [{ id: "svc-2", url: "ftp://x", pool: "web" }, 400, /url: must be http/],
      [{ id: "svc-2", url: all.o24, pool: "nope" }, 400, /pool: no pool "nope"/],
      [{ id: "o23", url: all.o24, pool: "web" }, 409, /id: "o23" is an origin of the config document/],
      [{ id: "svc-2", url: all.o24, pool: "web", region: "aws:us-est-1" }, 400, /did you mean "aws:us-east-1"/],
      [{ id: "svc-2", url: all.o24, pool: "web", ttlSeconds: 0 }, 400, /ttlSeconds/],
      [{ id: "svc-2", url: all.o24, pool: "web", deregisterAfterSeconds: 5 }, 400, /deregisterAfterSeconds/],
      [{ id: "svc-2", url: all.o24, pool: "web", extra: 1 }, 400, /extra/],
      [{ url: all.o24, pool: "web" }, 400, /id/],
    ];
    for (const [body, status, message] of cases) {
      const res = await register(body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.error).toMatch(message);
    }
    const bad = await admin("/register", { method: "POST", body: "{not json" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe("invalid_json");
    expect(await registeredIds()).toEqual([]);
  });

  it("REGISTER_TOKEN may register, and nothing else", async ({ expect }) => {
    const all = inject("origins");
    await useConfig({
      origins: [{ id: "o23", url: all.o23 }],
      pools: [{ id: "web", origins: ["o23"], registration: LOCAL_POLICY }],
      routes: [{ id: "r", pools: ["web"] }],
    });
    const withToken = { REGISTER_TOKEN: "origin-token" };
    const ok = await registerAs("origin-token", withToken, { id: "svc-3", url: all.o24, pool: "web" });
    expect(ok.status).toBe(201);
    expect(ok.body.registrant).toBe("register-token");
    expect((await callAs("origin-token", "/config", {}, withToken)).status).toBe(401);
    expect((await callAs("origin-token", "/metrics", {}, withToken)).status).toBe(401);
    // Without REGISTER_TOKEN configured, the same token opens nothing.
    expect((await callAs("origin-token", "/register", { method: "POST", body: "{}" })).status).toBe(401);
    // The registrant removes its own registration with its secret.
    const gone = await callAs(
      "origin-token",
      "/register/svc-3",
      { method: "DELETE", headers: { [SECRET_HEADER]: ok.body.secret ?? "" } },
      withToken,
    );
    expect(gone.status).toBe(200);
    expect(await registeredIds()).toEqual([]);
  });

  it("the status page lists a bounded number of a pool's registered origins, with registrant and policy, and counts the rest", async ({
    expect,
  }) => {
    const all = inject("origins");
    await useConfig({
      origins: [{ id: "o23", url: all.o23 }],
      pools: [{ id: "web", origins: ["o23"], registration: LOCAL_POLICY }],
      routes: [{ id: "r", pools: ["web"] }],
    });
    for (let i = 0; i < 23; i++)
      expect((await register({ id: `s-${String(i).padStart(2, "0")}`, url: all.o24, pool: "web" })).status).toBe(201);
    const page = await admin("/status", { headers: { accept: "text/html" } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html.match(/data-origin="s-\d\d"/g)?.length).toBe(20);
    expect(html).toContain("and 3 more registered origins (3 available), not listed");
    expect(html).toContain("· by admin-token · policy 127.0.0.1/32");
    expect(html).toContain("24/24 available");
    await removeAll();
  });

  it("lists registrations a page at a time, and the audit trail names the token", async ({ expect }) => {
    const all = inject("origins");
    await useConfig({
      origins: [{ id: "o23", url: all.o23 }],
      pools: [{ id: "web", origins: ["o23"], registration: LOCAL_POLICY }],
      routes: [{ id: "r", pools: ["web"] }],
    });
    for (const id of ["p-c", "p-a", "p-b"]) expect((await register({ id, url: all.o24, pool: "web" })).status).toBe(201);
    const first = (await (await admin("/register?limit=2")).json()) as {
      total: number;
      nextOffset?: number;
      registrations: { id: string }[];
    };
    expect(first).toMatchObject({ total: 3, limit: 2, offset: 0, nextOffset: 2 });
    expect(first.registrations.map((r) => r.id)).toEqual(["p-a", "p-b"]);
    const second = (await (await admin("/register?limit=2&offset=2")).json()) as { nextOffset?: number; registrations: { id: string }[] };
    expect(second.registrations.map((r) => r.id)).toEqual(["p-c"]);
    expect(second.nextOffset).toBeUndefined();
    const health = (await (await admin("/health?registrationsLimit=2")).json()) as {
      registrations: Record<string, number>;
      origins: Record<string, unknown>;
    };
    expect(health.registrations).toEqual({ total: 3, offset: 0, limit: 2, nextOffset: 2 });
    expect(Object.keys(health.origins).sort()).toEqual(["o23", "p-a", "p-b"]);
    const rest = (await (await admin("/health?registrationsLimit=2&registrationsOffset=2")).json()) as { origins: Record<string, unknown> };
    expect(Object.keys(rest.origins).sort()).toEqual(["o23", "p-c"]);
    const audit = (await (await admin("/audit?limit=10")).json()) as { entries: { actor: string; summary: string }[] };
    expect(audit.entries.find((e) => e.summary.startsWith("p-a created"))).toEqual(
      expect.objectContaining({ actor: "admin-token", summary: `p-a created in pool web at ${all.o24} (policy: 127.0.0.1/32)` }),
    );
    await removeAll();
  });
});
