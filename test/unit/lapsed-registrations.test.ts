/**
 * A registration whose heartbeat lapsed is gone, not unhealthy: it is never a candidate,
 * panic or not, and it does not count towards the pool's panic share or minHealthy. Panic
 * exists for health checks that are wrong about hosts still there; a host that stopped
 * heartbeating said nothing (Consul leaves such instances out of its answers too). Runs
 * the real path: config with registrations → effective config → snapshot → health view →
 * selectOrigin.
 */
import { describe, expect, it } from "vitest";
import { withRegistrations } from "../../src/discovery/registration.ts";
import type { Registration } from "../../src/discovery/registration.ts";
import { compileConfig } from "../../src/config/compile.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { OutlierDetector } from "../../src/health/outlier.ts";
import { healthView } from "../../src/health/passive.ts";
import { lapsedIn } from "../../src/health/snapshot.ts";
import type { HealthSnapshot } from "../../src/health/snapshot.ts";
import { createMemoryStore, createSelectionCache, selectOrigin, viewPool } from "../../src/steering/select.ts";
import { NO_SIGNALS } from "../../src/steering/types.ts";
import { mulberry32 } from "./helpers/random.ts";

const NOW = 1_800_000_000_000;

function registration(id: string, lastHeartbeat: number): Registration {
  return {
    id,
    url: "http://127.0.0.1:9200",
    pool: "web",
    weight: 1,
    ttlSeconds: 30,
    deregisterAfterSeconds: 600,
    registeredAt: NOW - 120_000,
    lastHeartbeat,
  } as Registration;
}

/** `configured`: the configured origins and whether each passes its checks. */
function setup(registrations: Registration[], configured: Record<string, boolean> = { configured: true }) {
  const ids = Object.keys(configured);
  const validated = validateConfig({
    origins: ids.map((id, i) => ({ id, url: `http://127.0.0.1:${9100 + i}` })),
    pools: [{ id: "web", origins: ids, steering: "round_robin", registration: { addresses: ["127.0.0.1/32"] } }],
    routes: [{ id: "r", pools: ["web"] }],
  });
  if (!validated.ok) throw new Error(JSON.stringify(validated.issues));
  const config = compileConfig(withRegistrations(validated.config, registrations), 1);
  // As the Durable Object reports them: a lapsed registration is unhealthy by its heartbeat.
  const origins: HealthSnapshot["origins"] = {};
  for (const [id, healthy] of Object.entries(configured)) origins[id] = { healthy } as HealthSnapshot["origins"][string];
  for (const r of registrations)
    origins[r.id] = { healthy: r.lastHeartbeat + r.ttlSeconds * 1_000 >= NOW } as HealthSnapshot["origins"][string];
  const snapshot: HealthSnapshot = { generatedAt: NOW, origins, registrations };
  const view = healthView(new OutlierDetector(), snapshot, () => NOW);
  return { config, snapshot, view };
}

function served(registrations: Registration[], n: number, configured?: Record<string, boolean>): Record<string, number> {
  const { config, view } = setup(registrations, configured);
  const route = config.routes[0];
  if (route === undefined) throw new Error("no route");
  const memory = createMemoryStore();
  const cache = createSelectionCache();
  const random = mulberry32(7);
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const pick = selectOrigin({
      route,
      client: {},
      random,
      memory,
      health: view,
      exclude: new Set(),
      signals: NO_SIGNALS,
      hashKey: () => undefined,
      cache,
    });
    const id = pick?.origin.id ?? "none";
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

const lapsed = ["svc-1", "svc-2", "svc-3"].map((id) => registration(id, NOW - 60_000));
const live = ["svc-1", "svc-2", "svc-3"].map((id) => registration(id, NOW - 5_000));

describe("lapsed registrations", () => {
  it("are gone at the snapshot's time, live ones are not", () => {
    const { snapshot } = setup([...lapsed.slice(0, 1), registration("svc-9", NOW - 1_000)]);
    expect(lapsedIn(snapshot, "svc-1")).toBe(true);
    expect(lapsedIn(snapshot, "svc-9")).toBe(false);
    expect(lapsedIn(snapshot, "configured")).toBe(false);
    expect(lapsedIn(undefined, "svc-1")).toBe(false);
  });

  it("put no pool in panic: one configured origin healthy of one counted, every request to it", () => {
    const { config, view } = setup(lapsed);
    const pool = config.pools.get("web");
    if (pool === undefined) throw new Error("no pool");
    const shown = viewPool(pool, view);
    expect(shown).toMatchObject({ panic: false, up: true, healthy: 1, enabled: 1 });
    expect(shown.candidates.map((o) => o.id)).toEqual(["configured"]);
    expect(served(lapsed, 30)).toEqual({ configured: 30 });
  });

  it("are not served even in panic: panic spreads over the configured origins only", () => {
    // 1 of 3 configured origins passes its checks: the pool is in panic and spreads over the
    // hosts that are there (failing or not), never over the registrations that said nothing.
    expect(served(lapsed, 30, { a: true, b: false, c: false })).toEqual({ a: 10, b: 10, c: 10 });
  });

  it("while live, share the pool as before", () => {
    expect(served(live, 40)).toEqual({ configured: 10, "svc-1": 10, "svc-2": 10, "svc-3": 10 });
  });

  it("leave panic to what it is for: live registrations that fail their checks still count, and panic spreads over them", () => {
    // Heartbeats arrive, but the snapshot says unhealthy (a probe failing): the hosts are there, so panic applies.
    const { config, snapshot } = setup(live);
    const failing: HealthSnapshot = {
      ...snapshot,
      origins: Object.fromEntries(Object.entries(snapshot.origins).map(([id, s]) => [id, { ...s, healthy: id === "configured" }])),
    };
    const pool = config.pools.get("web");
    if (pool === undefined) throw new Error("no pool");
    const shown = viewPool(
      pool,
      healthView(new OutlierDetector(), failing, () => NOW),
    );
    expect(shown).toMatchObject({ panic: true, healthy: 1, enabled: 4 });
    expect(shown.candidates).toHaveLength(4);
  });
});
