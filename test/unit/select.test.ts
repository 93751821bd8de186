import { NO_SIGNALS } from "../../src/steering/types.ts";
import { describe, expect, it } from "vitest";
import type { CompiledConfig } from "../../src/config/compile.ts";
import type { ClientInfo } from "../../src/routing/client.ts";
import { createMemoryStore, healthyCount, selectOrigin } from "../../src/steering/select.ts";
import type { HealthView, Selection, SteeringMemoryStore } from "../../src/steering/select.ts";
import { compile, healthyExcept, makeOrigins, makePool, makeRoute, multiCloud, poolOf, routeOf } from "./helpers/configs.ts";
import type { OriginInput, PoolInput, RouteInput } from "./helpers/configs.ts";
import { mulberry32 } from "./helpers/random.ts";

const ALL_HEALTHY: HealthView = { isHealthy: () => true };

interface Scenario {
  readonly config: CompiledConfig;
  readonly routeId?: string;
  readonly health?: HealthView;
  readonly client?: ClientInfo;
  readonly memory?: SteeringMemoryStore;
}

function select(s: Scenario, exclude: ReadonlySet<string> = new Set()): Selection | undefined {
  return selectOrigin({
    route: routeOf(s.config, s.routeId ?? "r"),
    client: s.client ?? {},
    random: mulberry32(11),
    memory: s.memory ?? createMemoryStore(),
    health: s.health ?? ALL_HEALTHY,
    exclude,
    signals: NO_SIGNALS,
    hashKey: () => undefined,
  });
}

/** Origin ids chosen over `n` selections with one shared memory. */
function many(s: Scenario, n: number): Record<string, number> {
  const memory = s.memory ?? createMemoryStore();
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const id = select({ ...s, memory })?.origin.id ?? "(none)";
    out[id] = (out[id] ?? 0) + 1;
  }
  return out;
}

/**
 * Route "r" (failover) over pools main (m0..m2) and backup (b0, b1), fallback pool
 * "last" (l0, l1), with per-origin and per-pool overrides.
 */
function threeTier(
  options: { origin?: (id: string) => Partial<OriginInput>; pool?: (id: string) => Partial<PoolInput>; route?: Partial<RouteInput> } = {},
): CompiledConfig {
  const origin = options.origin ?? (() => ({}));
  const pool = options.pool ?? (() => ({}));
  const origins = [...makeOrigins(3, "m"), ...makeOrigins(2, "b"), ...makeOrigins(2, "l")].map((o, i) => ({
    ...o,
    url: `http://127.0.0.1:${30_000 + i}`,
    ...origin(o.id),
  }));
  return compile({
    origins,
    pools: [
      makePool("main", ["m0", "m1", "m2"], pool("main")),
      makePool("backup", ["b0", "b1"], pool("backup")),
      makePool("last", ["l0", "l1"], pool("last")),
    ],
    routes: [makeRoute("r", ["main", "backup"], { fallbackPool: "last", ...options.route })],
  });
}

describe("selectOrigin", () => {
  it("spreads over the first pool when all is healthy", () => {
    expect(many({ config: threeTier() }, 300)).toEqual({ m0: 100, m1: 100, m2: 100 });
  });

  it("skips unhealthy origins", () => {
    expect(many({ config: threeTier(), health: healthyExcept("m1") }, 300)).toEqual({ m0: 150, m2: 150 });
  });

  it("gives weight 0 (drained) origins nothing", () => {
    const config = threeTier({ origin: (id) => (id === "m0" ? { weight: 0 } : {}) });
    expect(many({ config }, 300)).toEqual({ m1: 150, m2: 150 });
  });

  it("gives enabled:false origins nothing", () => {
    const config = threeTier({ origin: (id) => (id === "m2" ? { enabled: false } : {}) });
    expect(many({ config }, 300)).toEqual({ m0: 150, m1: 150 });
  });

  it("honours origin weights inside the pool", () => {
    const config = threeTier({ origin: (id) => (id === "m0" ? { weight: 4 } : {}) });
    expect(many({ config }, 600)).toEqual({ m0: 400, m1: 100, m2: 100 });
  });

  it("moves to the next pool when the first has no healthy origin", () => {
    const result = select({ config: threeTier(), health: healthyExcept("m0", "m1", "m2") });
    expect(result?.pool.id).toBe("backup");
    expect(result?.fallback).toBe(false);
  });

  it("moves on when every origin of a pool is drained or disabled", () => {
    const config = threeTier({ origin: (id) => (id === "m0" ? { weight: 0 } : id.startsWith("m") ? { enabled: false } : {}) });
    expect(select({ config })?.pool.id).toBe("backup");
  });

  it("minHealthy makes a pool count as down and traffic moves to the next pool", () => {
    const config = threeTier({ pool: (id) => (id === "main" ? { minHealthy: 2 } : {}) });
    expect(select({ config, health: healthyExcept("m0") })?.pool.id).toBe("main");
    const counts = many({ config, health: healthyExcept("m0", "m1") }, 100);
    expect(counts).toEqual({ b0: 50, b1: 50 });
  });

  it("drained origins still count toward minHealthy; disabled ones do not", () => {
    const drained = threeTier({
      origin: (id) => (id === "m0" ? { weight: 0 } : {}),
      pool: (id) => (id === "main" ? { minHealthy: 2 } : {}),
    });
    expect(healthyCount(poolOf(drained, "main"), healthyExcept("m1"))).toBe(2);
    expect(select({ config: drained, health: healthyExcept("m1") })?.origin.id).toBe("m2");
    const disabled = threeTier({
      origin: (id) => (id === "m0" ? { enabled: false } : {}),
      pool: (id) => (id === "main" ? { minHealthy: 2 } : {}),
    });
    expect(healthyCount(poolOf(disabled, "main"), healthyExcept("m1"))).toBe(1);
    expect(select({ config: disabled, health: healthyExcept("m1") })?.pool.id).toBe("backup");
  });

  it("uses the fallback pool when every route pool is down, and says so", () => {
    const result = select({ config: threeTier(), health: healthyExcept("m0", "m1", "m2", "b0", "b1") });
    expect(result?.pool.id).toBe("last");
    expect(result?.fallback).toBe(true);
  });

  it("the fallback pool serves below its own minHealthy", () => {
    const config = threeTier({ pool: (id) => (id === "last" ? { minHealthy: 2 } : {}) });
    const result = select({ config, health: healthyExcept("m0", "m1", "m2", "b0", "b1", "l0") });
    expect(result?.origin.id).toBe("l1");
    expect(result?.fallback).toBe(true);
  });

  it("returns undefined when nothing is healthy anywhere", () => {
    expect(select({ config: threeTier(), health: { isHealthy: () => false } })).toBeUndefined();
  });

  it("returns undefined without a fallback pool when the route's pools are down", () => {
    const config = compile({ origins: makeOrigins(2), pools: [makePool("p", ["o0", "o1"])], routes: [makeRoute("r", ["p"])] });
    expect(select({ config, health: healthyExcept("o0", "o1") })).toBeUndefined();
  });

  it("exclude gives the next origin, then the next pool, then the fallback, then nothing", () => {
    const config = threeTier();
    const memory = createMemoryStore();
    const tried = new Set<string>();
    const sequence: string[] = [];
    const fallbackFlags: boolean[] = [];
    for (;;) {
      const next = select({ config, memory }, tried);
      if (next === undefined) break;
      expect(tried.has(next.origin.id), `${next.origin.id} picked twice`).toBe(false);
      tried.add(next.origin.id);
      sequence.push(`${next.pool.id}:${next.origin.id}`);
      fallbackFlags.push(next.fallback);
    }
    expect(sequence.map((s) => s.split(":")[0])).toEqual(["main", "main", "main", "backup", "backup", "last", "last"]);
    expect(new Set(sequence.map((s) => s.split(":")[1]))).toEqual(new Set(["m0", "m1", "m2", "b0", "b1", "l0", "l1"]));
    expect(fallbackFlags).toEqual([false, false, false, false, false, true, true]);
  });

  it("a retry never goes back to an unhealthy origin", () => {
    const config = threeTier();
    const health = healthyExcept("m1", "b0");
    const first = select({ config, health }, new Set(["m0", "m2"]));
    expect(first?.origin.id).toBe("b1");
    expect(select({ config, health }, new Set(["m0", "m2", "b1"]))?.pool.id).toBe("last");
  });

  it("follows geo steering in the multi-cloud example, failing over in route order", () => {
    const config = compile(multiCloud());
    const eu: ClientInfo = { continent: "EU", country: "DE" };
    expect(select({ config, routeId: "api", client: eu })?.origin.id).toBe("gcp-euw1");
    const failed = select({ config, routeId: "api", client: eu, health: healthyExcept("gcp-euw1") });
    expect(failed?.pool.id).toBe("na");
    const asia: ClientInfo = { continent: "AS" };
    expect(select({ config, routeId: "api", client: asia })?.origin.id).toBe("az-sea");
    expect(many({ config, routeId: "api", client: { continent: "NA" } }, 400)).toEqual({ "aws-use1": 300, "aws-usw2": 100 });
  });

  it("follows weighted route steering across pools", () => {
    const config = threeTier({ route: { steering: "weighted", weights: { main: 3, backup: 1 } } });
    const counts = many({ config }, 400);
    expect((counts.m0 ?? 0) + (counts.m1 ?? 0) + (counts.m2 ?? 0)).toBe(300);
    expect((counts.b0 ?? 0) + (counts.b1 ?? 0)).toBe(100);
  });

  it("keeps per-pool memory apart in the store", () => {
    const store = createMemoryStore();
    const config = threeTier();
    const [main, backup] = [...config.pools.values()];
    if (main === undefined || backup === undefined) throw new Error("threeTier has pools");
    const a = store.memoryFor(main);
    expect(store.memoryFor(main)).toBe(a);
    expect(store.memoryFor(backup)).not.toBe(a);
  });
});
