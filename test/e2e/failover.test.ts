/**
 * End to end failover through real origins on 127.0.0.1: a failing origin is retried
 * transparently, then marked unhealthy by probes and avoided, then comes back.
 */
import { describe, inject, it } from "vitest";
import { originRequests, poolConfig, probeRound, proxied, setOriginMode, useConfig } from "../worker/helpers.ts";

async function send(n: number, init: RequestInit = {}): Promise<{ statuses: number[]; origins: Record<string, number> }> {
  const statuses: number[] = [];
  const origins: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const res = await proxied("/work", init);
    await res.text();
    statuses.push(res.status);
    const id = res.headers.get("x-edgeway-origin") ?? "none";
    origins[id] = (origins[id] ?? 0) + 1;
  }
  return { statuses, origins };
}

describe("failover", () => {
  it("fail → retried transparently → probed unhealthy → avoided → recovers → traffic returns", async ({ expect }) => {
    const all = inject("origins");
    const o5 = all.o5 ?? "";
    await useConfig(poolConfig({ o5, o6: all.o6 ?? "" }));
    await probeRound();
    await probeRound();
    try {
      // Healthy: both serve.
      expect(Object.keys((await send(10)).origins).sort()).toEqual(["o5", "o6"]);

      // o5 starts failing: every GET still succeeds, served by o6 after a retry.
      await setOriginMode(o5, "fail");
      const before = await originRequests(o5);
      const during = await send(20);
      expect(during.statuses.every((s) => s === 200)).toBe(true);
      expect(during.origins).toEqual({ o6: 20 });
      const triedOnO5 = (await originRequests(o5)) - before;
      expect(triedOnO5).toBeGreaterThan(0);

      // Probes confirm it: after unhealthyThreshold rounds o5 gets no traffic at all.
      await probeRound();
      await probeRound();
      const ejectedAt = await originRequests(o5);
      const after = await send(20);
      expect(after.origins).toEqual({ o6: 20 });
      expect(await originRequests(o5)).toBe(ejectedAt);

      // o5 recovers: after healthyThreshold passing rounds it takes traffic again.
      await setOriginMode(o5, "ok");
      await probeRound();
      await probeRound();
      const back = await send(20);
      expect(back.origins.o5 ?? 0).toBeGreaterThanOrEqual(8);
      expect(back.origins.o6 ?? 0).toBeGreaterThanOrEqual(8);
    } finally {
      await setOriginMode(o5, "ok");
    }
  });

  it("a closed port is retried on the next origin", async ({ expect }) => {
    const all = inject("origins");
    await useConfig(poolConfig({ dead: "http://127.0.0.1:9", o6: all.o6 ?? "" }));
    const { statuses, origins } = await send(10);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(origins).toEqual({ o6: 10 });
  });

  it("a hanging origin times out per try and is retried within the route's deadline", async ({ expect }) => {
    const all = inject("origins");
    const o5 = all.o5 ?? "";
    const config = poolConfig({ o5, o6: all.o6 ?? "" }) as { routes: Record<string, unknown>[] };
    config.routes[0] = { ...config.routes[0], timeoutMs: 5_000, retries: { attempts: 1, perTryTimeoutMs: 300 } };
    await useConfig(config);
    await setOriginMode(o5, "hang");
    try {
      const { statuses, origins } = await send(6);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
      expect(origins).toEqual({ o6: 6 });
    } finally {
      await setOriginMode(o5, "ok");
    }
  });

  it("does not retry a POST: the client sees the origin's 503", async ({ expect }) => {
    const all = inject("origins");
    const o5 = all.o5 ?? "";
    await useConfig(poolConfig({ o5 }));
    await setOriginMode(o5, "fail");
    try {
      const res = await proxied("/work", { method: "POST", body: "x" });
      await res.text();
      expect(res.status).toBe(503);
      expect(res.headers.get("x-edgeway-origin")).toBe("o5");
      expect(res.headers.get("x-edgeway-tries")).toBeNull();
    } finally {
      await setOriginMode(o5, "ok");
    }
  });

  it("retries a PUT with the same body", async ({ expect }) => {
    const all = inject("origins");
    await useConfig(poolConfig({ dead: "http://127.0.0.1:9", o6: all.o6 ?? "" }));
    for (let i = 0; i < 4; i++) {
      const res = await proxied("/doc", { method: "PUT", body: "same body", headers: { "content-length": "9" } });
      const echo = (await res.json()) as { method: string; body: string };
      expect(res.status).toBe(200);
      expect(echo).toMatchObject({ method: "PUT", body: "same body" });
    }
  });

  it("uses the fallback pool when the route's pools are down, and answers 503 when nothing is healthy", async ({ expect }) => {
    const all = inject("origins");
    const o5 = all.o5 ?? "";
    const o6 = all.o6 ?? "";
    const base = poolConfig({ o5, o6 }) as { pools: Record<string, unknown>[]; routes: Record<string, unknown>[] };
    await useConfig({
      ...base,
      pools: [
        { id: "primary", origins: ["o5"], monitor: "http" },
        { id: "backup", origins: ["o6"], monitor: "http" },
      ],
      routes: [{ id: "all", pools: ["primary"], fallbackPool: "backup" }],
    });
    await setOriginMode(o5, "fail");
    try {
      await probeRound();
      await probeRound();
      const { origins } = await send(5);
      expect(origins).toEqual({ o6: 5 });

      await setOriginMode(o6, "fail");
      await probeRound();
      await probeRound();
      const res = await proxied("/work");
      expect(res.status).toBe(503);
      expect(res.headers.get("x-edgeway-error")).toBe("no_healthy_origin");
      expect(((await res.json()) as { error: string }).error).toMatch(/no healthy origin/);
    } finally {
      await setOriginMode(o5, "ok");
      await setOriginMode(o6, "ok");
      await probeRound();
      await probeRound();
    }
  });
});
