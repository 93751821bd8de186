/**
 * Service registration through the admin API, end to end: an origin registers into a
 * pool of the config in force, takes traffic, is refused with a clear 4xx when its
 * registration is wrong, and stops taking traffic once deregistered. REGISTER_TOKEN may
 * register but not touch the rest of the admin API.
 */
import { createExecutionContext, env } from "cloudflare:test";
import { describe, inject, it } from "vitest";
import worker from "../../src/index.ts";
import { admin, proxied, useConfig } from "../worker/helpers.ts";

function register(body: unknown, token?: string): Promise<Response> {
  return admin("/register", {
    method: "POST",
    body: JSON.stringify(body),
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
}

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
  it("registers into a pool, takes traffic, heartbeats, deregisters", async ({ expect }) => {
    const all = inject("origins");
    await useConfig({
      origins: [{ id: "o23", url: all.o23 }],
      pools: [{ id: "web", origins: ["o23"], steering: "round_robin" }],
      routes: [{ id: "r", pools: ["web"] }],
    });
    const created = await register({ id: "svc-1", url: all.o24, pool: "web", region: "aws:us-east-1", ttlSeconds: 30 });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ id: "svc-1", pool: "web", result: "created", ttlSeconds: 30 });
    expect(await servedBy(10)).toEqual({ o23: 5, "svc-1": 5 });

    const heartbeat = await register({ id: "svc-1", url: all.o24, pool: "web", region: "aws:us-east-1", ttlSeconds: 30 });
    expect(heartbeat.status).toBe(200);
    expect(((await heartbeat.json()) as { result: string }).result).toBe("heartbeat");

    const listed = (await (await admin("/register")).json()) as { registrations: { id: string; healthy: boolean }[] };
    expect(listed.registrations).toEqual([expect.objectContaining({ id: "svc-1", healthy: true })]);
    const health = (await (await admin("/health")).json()) as { origins: Record<string, { registered?: unknown; pools: string[] }> };
    expect(health.origins["svc-1"]).toMatchObject({ pools: ["web"], registered: expect.objectContaining({ ttlSeconds: 30 }) });

    const removed = await admin("/register/svc-1", { method: "DELETE" });
    expect(removed.status).toBe(200);
    expect(await servedBy(6)).toEqual({ o23: 6 });
    expect((await admin("/register/svc-1", { method: "DELETE" })).status).toBe(404);
  });

  it("rejects a bad registration with a 4xx naming the problem, and stores nothing", async ({ expect }) => {
    const all = inject("origins");
    await useConfig({
      origins: [{ id: "o23", url: all.o23 }],
      pools: [{ id: "web", origins: ["o23"] }],
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
      expect(((await res.json()) as { error: string }).error).toMatch(message);
    }
    const bad = await admin("/register", { method: "POST", body: "{not json" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe("invalid_json");
    const listed = (await (await admin("/register")).json()) as { registrations: unknown[] };
    expect(listed.registrations).toEqual([]);
  });

  it("REGISTER_TOKEN may register, and nothing else", async ({ expect }) => {
    const all = inject("origins");
    await useConfig({
      origins: [{ id: "o23", url: all.o23 }],
      pools: [{ id: "web", origins: ["o23"] }],
      routes: [{ id: "r", pools: ["web"] }],
    });
    const withToken = { ...env, REGISTER_TOKEN: "origin-token" };
    const call = async (path: string, init: RequestInit): Promise<Response> =>
      worker.fetch(
        new Request(`http://edgeway.test/_edgeway${path}`, { ...init, headers: { authorization: "Bearer origin-token" } }),
        withToken,
        createExecutionContext(),
      );
    const ok = await call("/register", { method: "POST", body: JSON.stringify({ id: "svc-3", url: all.o24, pool: "web" }) });
    expect(ok.status).toBe(201);
    expect((await call("/config", { method: "GET" })).status).toBe(401);
    expect((await call("/metrics", { method: "GET" })).status).toBe(401);
    // Without REGISTER_TOKEN configured, the same token opens nothing.
    expect((await register({ id: "svc-4", url: all.o24, pool: "web" }, "origin-token")).status).toBe(401);
    expect((await admin("/register/svc-3", { method: "DELETE" })).status).toBe(200);
  });
});
