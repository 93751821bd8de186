/**
 * Load-aware steering: the in-flight counter (outstanding.ts) and `least_outstanding` pool
 * and route steering, which weigh each origin or pool by weight ÷ (outstanding + 1).
 */
import { describe, expect, it } from "vitest";
import type { CompiledPool, CompiledRoute } from "../../src/config/compile.ts";
import { poolKey } from "../../src/steering/latency.ts";
import { OutstandingTracker } from "../../src/steering/outstanding.ts";
import { leastOutstanding } from "../../src/steering/pool/least-outstanding.ts";
import { weighted } from "../../src/steering/pool/weighted.ts";
import { leastOutstandingRoute } from "../../src/steering/route/least-outstanding.ts";
import type { PoolSteering, SteeringMemory, SteeringSignals } from "../../src/steering/types.ts";
import { NO_SIGNALS } from "../../src/steering/types.ts";
import { at, compile, makeOrigins, makePool, makeRoute, poolOf, routeOf, singlePool } from "./helpers/configs.ts";
import { mulberry32 } from "./helpers/random.ts";
import { countIds, fakeSignals } from "./steering-conformance.case.ts";

/** Signals reading requests in flight from a tracker, with no latency measured. */
function trackerSignals(tracker: OutstandingTracker): SteeringSignals {
  return { outstanding: (key) => tracker.get(key), latencyMs: () => undefined };
}

describe("OutstandingTracker", () => {
  it("counts 0 for a key it never saw", () => {
    expect(new OutstandingTracker().get("o0")).toBe(0);
  });

  it("counts starts less finishes, per key", () => {
    const tracker = new OutstandingTracker();
    tracker.start(["o0", poolKey("p")]);
    tracker.start(["o0", poolKey("p")]);
    tracker.start(["o1", poolKey("p")]);
    expect([tracker.get("o0"), tracker.get("o1"), tracker.get(poolKey("p"))]).toEqual([2, 1, 3]);
    tracker.finish(["o0", poolKey("p")]);
    expect([tracker.get("o0"), tracker.get("o1"), tracker.get(poolKey("p"))]).toEqual([1, 1, 2]);
    tracker.finish(["o0", poolKey("p")]);
    tracker.finish(["o1", poolKey("p")]);
    expect([tracker.get("o0"), tracker.get("o1"), tracker.get(poolKey("p"))]).toEqual([0, 0, 0]);
  });

  it("never goes negative: an extra finish is ignored and the next start counts 1", () => {
    const tracker = new OutstandingTracker();
    tracker.finish(["o0"]);
    tracker.start(["o1"]);
    tracker.finish(["o1"]);
    tracker.finish(["o1"]);
    expect(tracker.get("o0")).toBe(0);
    expect(tracker.get("o1")).toBe(0);
    tracker.start(["o0"]);
    expect(tracker.get("o0")).toBe(1);
  });
});

describe("least_outstanding pool steering", () => {
  /** Pool "p" with one origin per weight (o0, o1, …). */
  const poolWithWeights = (weights: readonly number[]): CompiledPool =>
    poolOf(
      compile(
        singlePool({ origins: weights.length, origin: (i) => ({ weight: weights[i] ?? 1 }), pool: { steering: "least_outstanding" } }),
      ),
      "p",
    );

  function picks(
    policy: PoolSteering,
    pool: CompiledPool,
    n: number,
    signals: SteeringSignals,
    memory: SteeringMemory = new Map(),
  ): string[] {
    const random = mulberry32(1);
    return Array.from(
      { length: n },
      () => policy.pick({ pool, candidates: pool.origins, client: {}, random, memory, signals, hashKey: undefined })?.id ?? "(none)",
    );
  }

  it("with no load is weighted round robin: 3:1 gives 750/250 of 1,000, in weighted's order", () => {
    const pool = poolWithWeights([3, 1]);
    const ids = picks(leastOutstanding, pool, 1_000, NO_SIGNALS);
    expect(countIds(ids)).toEqual({ o0: 750, o1: 250 });
    expect(ids).toEqual(picks(weighted, pool, 1_000, NO_SIGNALS));
  });

  it("with A holding 9 outstanding and B none (equal weights), B gets ≥ 85%", () => {
    const tracker = new OutstandingTracker();
    for (let i = 0; i < 9; i++) tracker.start(["o0"]);
    const n = 1_000;
    const counts = countIds(picks(leastOutstanding, poolWithWeights([1, 1]), n, trackerSignals(tracker)));
    // Effective weights 1/10 and 1: B's share is 10/11 ≈ 91%.
    expect((counts.o1 ?? 0) / n).toBeGreaterThanOrEqual(0.85);
    expect(Math.abs((counts.o1 ?? 0) - (n * 10) / 11)).toBeLessThanOrEqual(1);
  });

  it("weighs load against weight: 3:1 with 2 outstanding on the heavy origin evens out", () => {
    const counts = countIds(picks(leastOutstanding, poolWithWeights([3, 1]), 1_000, fakeSignals({ outstanding: { o0: 2 } })));
    expect(counts).toEqual({ o0: 500, o1: 500 });
  });

  it("gives the share back as the load drains", () => {
    const tracker = new OutstandingTracker();
    const pool = poolWithWeights([1, 1]);
    const memory = new Map<string, number>();
    for (let i = 0; i < 9; i++) tracker.start(["o0"]);
    picks(leastOutstanding, pool, 100, trackerSignals(tracker), memory);
    for (let i = 0; i < 9; i++) tracker.finish(["o0"]);
    const after = countIds(picks(leastOutstanding, pool, 1_000, trackerSignals(tracker), memory));
    expect(Math.abs((after.o0 ?? 0) - 500)).toBeLessThanOrEqual(5);
  });
});

describe("least_outstanding route steering", () => {
  /**
   * Route "r" over pool a (origins weighted by `aWeights`) and pool b (one origin of
   * weight 1), steered by `least_outstanding`.
   */
  function route(aWeights: readonly number[], aExtra: (i: number) => { enabled?: boolean } = () => ({})): CompiledRoute {
    const a = makeOrigins(aWeights.length, "a", (i) => ({ weight: aWeights[i] ?? 1, ...aExtra(i) }));
    const b = makeOrigins(1, "b").map((o) => ({ ...o, url: "http://127.0.0.1:11000" }));
    return routeOf(
      compile({
        origins: [...a, ...b],
        pools: [
          makePool(
            "a",
            a.map((o) => o.id),
          ),
          makePool(
            "b",
            b.map((o) => o.id),
          ),
        ],
        routes: [makeRoute("r", ["a", "b"], { steering: "least_outstanding" })],
      }),
    );
  }

  function firsts(r: CompiledRoute, n: number, signals: SteeringSignals, down: readonly string[] = []): Record<string, number> {
    const memory = new Map<string, number>();
    const random = mulberry32(1);
    const isUp = (pool: CompiledPool): boolean => !down.includes(pool.id);
    return countIds(
      Array.from({ length: n }, () => at(leastOutstandingRoute.order({ route: r, client: {}, random, memory, isUp, signals }), 0).id),
    );
  }

  it("with no load shares by capacity (the summed weight of enabled origins): 3 origins to 1 gives 750/250", () => {
    expect(firsts(route([1, 1, 1]), 1_000, NO_SIGNALS)).toEqual({ a: 750, b: 250 });
  });

  it("disabled origins add no capacity", () => {
    expect(
      firsts(
        route([1, 1, 1], (i) => (i > 0 ? { enabled: false } : {})),
        1_000,
        NO_SIGNALS,
      ),
    ).toEqual({ a: 500, b: 500 });
  });

  it("a pool with requests piling up gets less: capacity 3 with 8 in flight against capacity 1 with none → 250/750", () => {
    const tracker = new OutstandingTracker();
    for (let i = 0; i < 8; i++) tracker.start(["a0", poolKey("a")]);
    const counts = firsts(route([1, 1, 1]), 1_000, trackerSignals(tracker));
    expect(Math.abs((counts.b ?? 0) - 750)).toBeLessThanOrEqual(1);
  });

  it("with equal capacity, the pool holding 9 in flight gets ≤ 15%", () => {
    const counts = firsts(route([1]), 1_000, fakeSignals({ outstanding: { [poolKey("a")]: 9 } }));
    expect((counts.a ?? 0) / 1_000).toBeLessThanOrEqual(0.15);
  });

  it("a down pool gets no share, and follows as failover", () => {
    const r = route([1, 1, 1]);
    expect(firsts(r, 100, NO_SIGNALS, ["a"])).toEqual({ b: 100 });
    const order = leastOutstandingRoute.order({
      route: r,
      client: {},
      random: mulberry32(1),
      memory: new Map(),
      isUp: (p) => p.id !== "a",
      signals: NO_SIGNALS,
    });
    expect(order.map((p) => p.id)).toEqual(["b", "a"]);
  });
});
