/**
 * Latency-aware steering: the peak-EWMA tracker (latency.ts), `latency` pool steering
 * (power of two choices over latency × load) and `latency` route steering (lowest pool
 * estimate first, EXPLORE_SHARE exploration).
 */
import { describe, expect, it } from "vitest";
import type { CompiledConfig, CompiledRoute } from "../../src/config/compile.ts";
import { DECAY_MS, FAILURE_PENALTY_MS, LatencyTracker, poolKey } from "../../src/steering/latency.ts";
import { EXPLORE_SHARE, latencyRoute, poolLatencyCost } from "../../src/steering/route/latency.ts";
import { createMemoryStore, selectOrigin } from "../../src/steering/select.ts";
import type { RandomSource, SteeringSignals } from "../../src/steering/types.ts";
import { at, compile, multiPool, poolOf, routeOf, singlePool } from "./helpers/configs.ts";
import { mulberry32 } from "./helpers/random.ts";
import { countIds, fakeSignals } from "./steering-conformance.case.ts";

/** Signals reading latency from a tracker, with nothing in flight. */
function trackerSignals(tracker: LatencyTracker): SteeringSignals {
  return { latencyMs: (key) => tracker.estimate(key), outstanding: () => 0 };
}

describe("LatencyTracker (peak EWMA)", () => {
  it("knows nothing of a key it never measured", () => {
    const tracker = new LatencyTracker();
    expect(tracker.estimate("o0")).toBeUndefined();
    expect(tracker.entries()).toEqual([]);
  });

  it("takes the first sample as the estimate", () => {
    const tracker = new LatencyTracker();
    tracker.observe("o0", 42, true, 0);
    expect(tracker.estimate("o0")).toBe(42);
  });

  it("a slower sample replaces the estimate at once, however recent the last one", () => {
    const tracker = new LatencyTracker();
    tracker.observe("o0", 20, true, 0);
    tracker.observe("o0", 400, true, 1);
    expect(tracker.estimate("o0")).toBe(400);
  });

  it("a faster sample pulls the estimate down with weight 1 − exp(−Δt / DECAY_MS)", () => {
    const tracker = new LatencyTracker();
    tracker.observe("o0", 200, true, 0);
    tracker.observe("o0", 10, true, DECAY_MS);
    const kept = Math.exp(-1);
    expect(tracker.estimate("o0")).toBeCloseTo(200 * kept + 10 * (1 - kept), 9);
  });

  it("the longer since the last sample, the further a faster sample pulls", () => {
    const after = (gapMs: number): number => {
      const tracker = new LatencyTracker();
      tracker.observe("o0", 200, true, 0);
      tracker.observe("o0", 10, true, gapMs);
      return tracker.estimate("o0") ?? Number.NaN;
    };
    const estimates = [1, 1_000, DECAY_MS, 10 * DECAY_MS].map(after);
    for (let i = 1; i < estimates.length; i++) expect(at(estimates, i)).toBeLessThan(at(estimates, i - 1));
    // A burst of fast answers a millisecond apart barely moves a slow estimate…
    expect(at(estimates, 0)).toBeGreaterThan(199.9);
    // …and a long quiet spell lets one fast answer all but replace it.
    expect(at(estimates, 3)).toBeLessThan(10.01);
  });

  it("converges on a steady faster latency", () => {
    const tracker = new LatencyTracker();
    tracker.observe("o0", 200, true, 0);
    for (let t = 1_000; t <= 60_000; t += 1_000) tracker.observe("o0", 10, true, t);
    expect(tracker.estimate("o0")).toBeCloseTo(10 + 190 * Math.exp(-60_000 / DECAY_MS), 6);
  });

  it("a failure counts as at least FAILURE_PENALTY_MS, even one that took 1 ms", () => {
    const tracker = new LatencyTracker();
    tracker.observe("fast-503", 1, false, 0);
    tracker.observe("slow-timeout", 2_500, false, 0);
    expect(tracker.estimate("fast-503")).toBe(FAILURE_PENALTY_MS);
    expect(tracker.estimate("slow-timeout")).toBe(2_500);
  });

  it("a fast failure on a fast origin raises its estimate to the penalty at once", () => {
    const tracker = new LatencyTracker();
    tracker.observe("o0", 5, true, 0);
    tracker.observe("o0", 1, false, 10);
    expect(tracker.estimate("o0")).toBe(FAILURE_PENALTY_MS);
  });

  it("seed fills a key never measured but does not overwrite a measured estimate", () => {
    const tracker = new LatencyTracker();
    tracker.observe("measured", 50, true, 0);
    tracker.seed("measured", 500, 1);
    tracker.seed("fresh", 500, 1);
    expect(tracker.estimate("measured")).toBe(50);
    expect(tracker.estimate("fresh")).toBe(500);
    // A seeded estimate is then measured over like any other.
    tracker.observe("fresh", 900, true, 2);
    expect(tracker.estimate("fresh")).toBe(900);
  });

  it("entries lists every estimate by key", () => {
    const tracker = new LatencyTracker();
    tracker.observe("o0", 12, true, 0);
    tracker.observe(poolKey("p"), 30, true, 0);
    tracker.seed("o1", 70, 0);
    expect(new Map(tracker.entries())).toEqual(
      new Map([
        ["o0", 12],
        ["pool:p", 30],
        ["o1", 70],
      ]),
    );
  });
});

describe("latency pool steering (P2C over peak EWMA)", () => {
  /** Pool "p" on route "r": o0, o1, … of equal weight, steered by `latency`. */
  const pool = (origins: number): CompiledConfig => compile(singlePool({ origins, pool: { steering: "latency" } }));

  function pickCounts(config: CompiledConfig, signals: SteeringSignals, n: number, seed = 1): Record<string, number> {
    const route = routeOf(config);
    const random = mulberry32(seed);
    const memory = createMemoryStore();
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const selection = selectOrigin({
        route,
        client: {},
        random,
        memory,
        health: { isHealthy: () => true },
        exclude: new Set(),
        signals,
        hashKey: () => undefined,
      });
      ids.push(selection?.origin.id ?? "(none)");
    }
    return countIds(ids);
  }

  it("with estimates 5/40/150 ms the 5 ms origin wins whenever drawn (≈2/3) and the 150 ms one never", () => {
    const signals = fakeSignals({ latencyMs: { o0: 5, o1: 40, o2: 150 } });
    const n = 10_000;
    const counts = pickCounts(pool(3), signals, n);
    // Two distinct origins are drawn: the fast one is among them in 2 of the 3 pairs and
    // wins them; the middle one wins the pair {40, 150}; the slow one loses every pair.
    expect(Math.abs((counts.o0 ?? 0) / n - 2 / 3)).toBeLessThanOrEqual(0.02);
    expect(Math.abs((counts.o1 ?? 0) / n - 1 / 3)).toBeLessThanOrEqual(0.02);
    expect(counts.o2 ?? 0).toBe(0);
  });

  it("an origin that fails fast (503 in 1 ms) does not win over a 40 ms healthy one", () => {
    const tracker = new LatencyTracker();
    tracker.observe("o0", 1, false, 0);
    tracker.observe("o1", 40, true, 0);
    expect(pickCounts(pool(2), trackerSignals(tracker), 1_000)).toEqual({ o1: 1_000 });
  });

  it("…whereas the same 1 ms answer counted as a success would take everything (the trap the penalty avoids)", () => {
    const tracker = new LatencyTracker();
    tracker.observe("o0", 1, true, 0);
    tracker.observe("o1", 40, true, 0);
    expect(pickCounts(pool(2), trackerSignals(tracker), 1_000)).toEqual({ o0: 1_000 });
  });

  it("outstanding requests raise an origin's cost: latency × (outstanding + 1)", () => {
    const latencyMs = { o0: 10, o1: 40 };
    expect(pickCounts(pool(2), fakeSignals({ latencyMs }), 1_000)).toEqual({ o0: 1_000 });
    // 10 ms × (9 + 1) = 100 > 40 ms × 1: the fast but busy origin loses.
    expect(pickCounts(pool(2), fakeSignals({ latencyMs, outstanding: { o0: 9 } }), 1_000)).toEqual({ o1: 1_000 });
    // 40 ms × (1 + 1) = 80 > 10 ms × (3 + 1) = 40: load on both is weighed.
    expect(pickCounts(pool(2), fakeSignals({ latencyMs, outstanding: { o0: 3, o1: 1 } }), 1_000)).toEqual({ o0: 1_000 });
  });

  it("an origin never measured costs FAILURE_PENALTY_MS: it loses to a 40 ms origin and beats a 2 s one", () => {
    expect(pickCounts(pool(2), fakeSignals({ latencyMs: { o1: 40 } }), 500)).toEqual({ o1: 500 });
    expect(pickCounts(pool(2), fakeSignals({ latencyMs: { o1: 2_000 } }), 500)).toEqual({ o0: 500 });
  });

  it("draws by weight: a light origin is drawn less, so wins less even when fastest", () => {
    const config = compile(singlePool({ origins: 3, origin: (i) => ({ weight: i === 0 ? 1 : 4 }), pool: { steering: "latency" } }));
    const n = 10_000;
    const counts = pickCounts(config, fakeSignals({ latencyMs: { o0: 5, o1: 40, o2: 40 } }), n);
    // o0 is in the pair when drawn first (1/9) or second (8/9 × 1/5): 13/45 ≈ 29%.
    expect(Math.abs((counts.o0 ?? 0) / n - 13 / 45)).toBeLessThanOrEqual(0.02);
    expect(poolOf(config, "p").origins.map((o) => o.weight)).toEqual([1, 4, 4]);
  });
});

describe("latency route steering", () => {
  /** Route "r" over pools a, b, c (one origin each), steered by `latency`. */
  const route: CompiledRoute = routeOf(compile(multiPool({ a: 1, b: 1, c: 1 }, { steering: "latency" })));
  const NO_EXPLORE: RandomSource = () => 0.5;

  function orderIds(signals: SteeringSignals, random: RandomSource = NO_EXPLORE): string[] {
    return latencyRoute.order({ route, client: {}, random, memory: new Map(), isUp: () => true, signals }).map((p) => p.id);
  }

  function firstCounts(signals: SteeringSignals, n: number, random: RandomSource): Record<string, number> {
    return countIds(Array.from({ length: n }, () => at(orderIds(signals, random), 0)));
  }

  function measured(estimates: Readonly<Record<string, number>>): LatencyTracker {
    const tracker = new LatencyTracker();
    for (const [pool, ms] of Object.entries(estimates)) tracker.observe(poolKey(pool), ms, true, 0);
    return tracker;
  }

  it(`with pool estimates 5/40/150 ms, ≥ 93% of 10,000 orders put the 5 ms pool first (EXPLORE_SHARE ${EXPLORE_SHARE})`, () => {
    const signals = trackerSignals(measured({ a: 5, b: 40, c: 150 }));
    const n = 10_000;
    const counts = firstCounts(signals, n, mulberry32(21));
    expect((counts.a ?? 0) / n).toBeGreaterThanOrEqual(0.93);
    expect((counts.a ?? 0) / n).toBeLessThanOrEqual(0.97);
    // Exploration goes to the other pools that are up, evenly.
    expect((counts.b ?? 0) / n).toBeGreaterThan(0.01);
    expect((counts.c ?? 0) / n).toBeGreaterThan(0.01);
    expect(orderIds(signals)).toEqual(["a", "b", "c"]);
  });

  it("after the fast pool's estimate jumps to 300 ms on one slow sample, the next orders prefer the 40 ms pool", () => {
    const tracker = measured({ a: 5, b: 40, c: 150 });
    const signals = trackerSignals(tracker);
    expect(orderIds(signals)).toEqual(["a", "b", "c"]);
    tracker.observe(poolKey("a"), 300, true, 1);
    expect(tracker.estimate(poolKey("a"))).toBe(300);
    expect(orderIds(signals)).toEqual(["b", "a", "c"]); // the fastest first, the rest in route order
    const n = 1_000;
    expect((firstCounts(signals, n, mulberry32(4)).b ?? 0) / n).toBeGreaterThanOrEqual(0.93);
  });

  it("a pool never measured is tried first while nothing is in flight to it, and not while something is", () => {
    const latencyMs = { [poolKey("a")]: 5, [poolKey("b")]: 40 };
    expect(orderIds(fakeSignals({ latencyMs }))).toEqual(["c", "a", "b"]);
    expect(orderIds(fakeSignals({ latencyMs, outstanding: { [poolKey("c")]: 1 } }))).toEqual(["a", "b", "c"]);
    expect(poolLatencyCost(at(route.pools, 2), fakeSignals({ outstanding: { [poolKey("c")]: 1 } }))).toBe(FAILURE_PENALTY_MS);
  });

  it("explores only when the random draw is below EXPLORE_SHARE", () => {
    const signals = fakeSignals({ latencyMs: { [poolKey("a")]: 5, [poolKey("b")]: 40, [poolKey("c")]: 150 } });
    const draws = (values: readonly number[]): RandomSource => {
      let i = 0;
      return () => values[i++ % values.length] ?? 0;
    };
    expect(orderIds(signals, draws([EXPLORE_SHARE]))).toEqual(["a", "b", "c"]);
    expect(orderIds(signals, draws([0, 0]))).toEqual(["b", "a", "c"]);
    expect(orderIds(signals, draws([0, 0.99]))).toEqual(["c", "a", "b"]);
  });
});

describe("a failure never lowers an estimate", () => {
  it("an origin measured at 3 s that then fails fast stays at 3 s", () => {
    const tracker = new LatencyTracker();
    tracker.observe("slow", 3_000, true, 0);
    for (let i = 1; i <= 5; i++) tracker.observe("slow", 1, false, i * 10_000);
    expect(tracker.estimate("slow")).toBe(3_000);
  });
});
