/**
 * Latency steering: the one peak-EWMA estimator (latency.ts), the one choosing rule
 * (latency-choice.ts) and the two policies built on them, `latency` pool steering (which
 * origin) and `latency` route steering (which pool), driven in virtual time through the
 * real selectOrigin. Property tests are in steering-latency-property.test.ts, what /explain
 * shows in steering-latency-explain.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { CompiledConfig, CompiledRoute } from "../../src/config/compile.ts";
import {
  DECAY_MS,
  DEFAULT_DECAY_SECONDS,
  DEFAULT_EXPLORE_INTERVAL_SECONDS,
  DEFAULT_EXPLORE_PERCENT,
  DEFAULT_FAILURE_PENALTY_MS,
  DEFAULT_LATENCY_SETTINGS,
  FAILURE_PENALTY_MS,
  LatencyTracker,
  PEAK_RATIO,
  poolKey,
} from "../../src/steering/latency.ts";
import {
  chooseByLatency,
  EXPLORE_CREDIT,
  latencyCost,
  PILE_UP_SIGMAS,
  PILE_UP_SLACK,
  pileUpAllowance,
} from "../../src/steering/latency-choice.ts";
import { ColoLatency, latencySignals } from "../../src/steering/latency-colo.ts";
import { latencyRoute } from "../../src/steering/route/latency.ts";
import { createMemoryStore } from "../../src/steering/select.ts";
import type { RandomSource, SteeringSignals } from "../../src/steering/types.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { at, compile, multiPool, routeOf, singlePool } from "./helpers/configs.ts";
import { mulberry32 } from "./helpers/random.ts";
import { countIds, fakeSignals } from "./steering-conformance.case.ts";
import { latencyRun, pickAllHealthy, settledAt, shareOf } from "./helpers/latency-run.ts";

/** Signals over a tracker read at a fixed time, with nothing in flight unless told. */
function trackerSignals(tracker: LatencyTracker, now: number, outstanding: Readonly<Record<string, number>> = {}): SteeringSignals {
  return latencySignals(
    tracker,
    (key) => outstanding[key] ?? 0,
    () => now,
  );
}

describe("LatencyTracker (peak EWMA with decay on read)", () => {
  it("knows nothing of a key it never measured", () => {
    const tracker = new LatencyTracker();
    expect(tracker.estimate("o0", 0)).toBeUndefined();
    expect(tracker.ageMs("o0", 0)).toBeUndefined();
    expect(tracker.entries()).toEqual([]);
  });

  it("takes the first sample as the estimate", () => {
    const tracker = new LatencyTracker();
    tracker.observe("o0", 42, true, 0);
    expect(tracker.estimate("o0", 0)).toBe(42);
  });

  it("one answer ≥ PEAK_RATIO × the estimate is held, not averaged in; a second in a row replaces it (the smaller of the two)", () => {
    const tracker = new LatencyTracker();
    tracker.observe("o0", 20, true, 0);
    tracker.observe("o0", 400, true, 20);
    expect(tracker.estimate("o0", 20)).toBe(20);
    tracker.observe("o0", 300, true, 40);
    expect(tracker.estimate("o0", 40)).toBe(300);
  });

  it("the first answers are averaged as their plain mean (weight at least 1/n), then by time", () => {
    const tracker = new LatencyTracker();
    tracker.observe("o0", 30, true, 0);
    tracker.observe("o0", 50, true, 20);
    expect(tracker.estimate("o0", 20)).toBeCloseTo(40, 9);
    tracker.observe("o0", 60, true, 40);
    expect(tracker.estimate("o0", 40)).toBeCloseTo(140 / 3, 9);
  });

  it("a peak interrupted by an ordinary answer is forgotten: tail answers apart never replace the estimate", () => {
    const tracker = new LatencyTracker();
    tracker.observe("o0", 20, true, 0);
    for (let t = 20; t <= 2_000; t += 20) tracker.observe("o0", t % 40 === 0 ? 20 : 20 * PEAK_RATIO * 2, true, t);
    expect(tracker.estimate("o0", 2_000)).toBeLessThan(20 * PEAK_RATIO);
  });

  it("an answer ≤ 1 / PEAK_RATIO of the estimate replaces it at once: a recovered origin is seen on its first answer", () => {
    const tracker = new LatencyTracker();
    tracker.observe("o0", 300, true, 0);
    tracker.observe("o0", 30, true, 10);
    expect(tracker.estimate("o0", 10)).toBe(30);
  });

  it("…but not a failure's penalty: an origin failing now and then does not get its stream back on its next fast answer", () => {
    const tracker = new LatencyTracker();
    tracker.observe("o0", 20, true, 0);
    tracker.observe("o0", 20, false, 20);
    expect(tracker.estimate("o0", 20)).toBe(FAILURE_PENALTY_MS);
    // Averaged (here as the plain mean of two), not replaced: still 25× the origin's latency.
    tracker.observe("o0", 20, true, 5_020);
    expect(tracker.estimate("o0", 5_020)).toBeCloseTo((FAILURE_PENALTY_MS + 20) / 2, 9);
    // Once answers are ordinary beside the estimate again, troughs count again.
    for (let t = 5_040; t <= 60_000; t += 20) tracker.observe("o0", 20, true, t);
    tracker.observe("o0", 300, true, 60_020);
    tracker.observe("o0", 300, true, 60_040);
    tracker.observe("o0", 20, true, 60_060);
    expect(tracker.estimate("o0", 60_060)).toBe(20);
  });

  it("decays on read toward 0 with time constant τ: value × exp(−idle / τ)", () => {
    const tracker = new LatencyTracker();
    tracker.observe("o0", 200, true, 0);
    expect(tracker.estimate("o0", DECAY_MS)).toBeCloseTo(200 * Math.exp(-1), 9);
    expect(tracker.estimate("o0", 2 * DECAY_MS)).toBeCloseTo(200 * Math.exp(-2), 9);
    // A route or pool with a shorter decay time reads the same sample decayed faster.
    expect(tracker.estimate("o0", 1_000, 1_000)).toBeCloseTo(200 * Math.exp(-1), 9);
    // Reading changes nothing: the same read gives the same value.
    expect(tracker.estimate("o0", DECAY_MS)).toBe(tracker.estimate("o0", DECAY_MS));
    expect(tracker.ageMs("o0", 7_000)).toBe(7_000);
  });

  it("an ordinary answer pulls the estimate (its value at the last sample, not decayed) toward it with weight 1 − exp(−Δt / τ)", () => {
    const tracker = new LatencyTracker();
    tracker.observe("o0", 200, true, 0);
    tracker.observe("o0", 100, true, DECAY_MS);
    const w = Math.exp(-1);
    expect(tracker.estimate("o0", DECAY_MS)).toBeCloseTo(200 * w + 100 * (1 - w), 9);
    tracker.observe("o0", 150, true, 2 * DECAY_MS);
    const before = 200 * w + 100 * (1 - w);
    expect(tracker.estimate("o0", 2 * DECAY_MS)).toBeCloseTo(before * w + 150 * (1 - w), 9);
  });

  it("a burst of fast answers barely moves a slow estimate; a long quiet spell lets one fast answer all but replace it", () => {
    const after = (gapMs: number): number => {
      const tracker = new LatencyTracker();
      // Many answers at 200 first, so the time weight, not 1/n, decides.
      for (let t = -100_000; t <= 0; t += 100) tracker.observe("o0", 200, true, t);
      tracker.observe("o0", 100, true, gapMs);
      return tracker.estimate("o0", gapMs) ?? Number.NaN;
    };
    const estimates = [1, 1_000, DECAY_MS, 10 * DECAY_MS].map(after);
    for (let i = 1; i < estimates.length; i++) expect(at(estimates, i)).toBeLessThan(at(estimates, i - 1));
    expect(at(estimates, 0)).toBeGreaterThan(199.9);
    expect(at(estimates, 3)).toBeLessThan(100.01);
  });

  it("converges on a steady latency, faster or slower than before", () => {
    const tracker = new LatencyTracker();
    tracker.observe("o0", 200, true, 0);
    for (let t = 100; t <= 30_000; t += 100) tracker.observe("o0", 10, true, t);
    expect(tracker.estimate("o0", 30_000)).toBeCloseTo(10, 6);
    // Five times slower: the second answer replaces the estimate (a confirmed peak).
    for (let t = 30_100; t <= 31_000; t += 100) tracker.observe("o0", 50, true, t);
    expect(tracker.estimate("o0", 31_000)).toBeCloseTo(50, 0);
    // 1.5× slower (no peak): the mean moves over about τ.
    for (let t = 31_100; t <= 61_000; t += 100) tracker.observe("o0", 75, true, t);
    // Three τ: at least all but e⁻³ ≈ 5 % of the way (more: the estimate restarted at the peak, so its first answers count 1/n), never past it.
    const moved = ((tracker.estimate("o0", 61_000) ?? 0) - 50) / 25;
    expect(moved).toBeGreaterThan(0.94);
    expect(moved).toBeLessThanOrEqual(1);
  });

  it("a failure counts as at least the penalty, even one that took 1 ms", () => {
    const tracker = new LatencyTracker();
    tracker.observe("fast-503", 1, false, 0);
    tracker.observe("slow-timeout", 2_500, false, 0);
    tracker.observe("own-penalty", 1, false, 0, DECAY_MS, 300);
    expect(tracker.estimate("fast-503", 0)).toBe(FAILURE_PENALTY_MS);
    expect(tracker.estimate("slow-timeout", 0)).toBe(2_500);
    expect(tracker.estimate("own-penalty", 0)).toBe(300);
  });

  it("a fast failure on a fast origin raises its estimate to the penalty at once, which then decays like any sample", () => {
    const tracker = new LatencyTracker();
    tracker.observe("o0", 5, true, 0);
    tracker.observe("o0", 1, false, 10);
    expect(tracker.estimate("o0", 10)).toBe(FAILURE_PENALTY_MS);
    expect(tracker.estimate("o0", 10 + DECAY_MS)).toBeCloseTo(FAILURE_PENALTY_MS * Math.exp(-1), 9);
  });

  it("a failure never lowers an estimate: an origin at 3 s that then fails fast stays at its decayed 3 s", () => {
    const tracker = new LatencyTracker();
    tracker.observe("slow", 3_000, true, 0);
    tracker.observe("slow", 1, false, 1_000);
    expect(tracker.estimate("slow", 1_000)).toBeCloseTo(3_000 * Math.exp(-0.1), 9);
    // …and resets its age, so it is not explored again at once.
    expect(tracker.ageMs("slow", 1_000)).toBe(0);
  });

  it("seed adopts an estimate never measured here, with its sample time, and never overwrites a measured one", () => {
    const tracker = new LatencyTracker();
    tracker.observe("measured", 50, true, 1_000);
    tracker.seed("measured", 500, 1_000);
    tracker.seed("seeded", 500, 0);
    expect(tracker.estimate("measured", 1_000)).toBe(50);
    expect(tracker.estimate("seeded", DECAY_MS)).toBeCloseTo(500 * Math.exp(-1), 9);
    // A newer seed replaces an older one; an older one does not.
    tracker.seed("seeded", 80, 2_000);
    tracker.seed("seeded", 900, 1_500);
    expect(tracker.estimate("seeded", 2_000)).toBe(80);
    // Garbage is ignored.
    tracker.seed("bad", Number.NaN, 0);
    tracker.seed("bad", -1, 0);
    expect(tracker.estimate("bad", 0)).toBeUndefined();
    // A seeded estimate is then measured over like any other: two slow answers in a row replace it.
    tracker.observe("seeded", 900, true, 2_001);
    tracker.observe("seeded", 900, true, 2_002);
    expect(tracker.estimate("seeded", 2_002)).toBe(900);
  });

  it("entries lists the estimates measured here, with their sample times (seeds are not echoed back)", () => {
    const tracker = new LatencyTracker();
    tracker.observe("o0", 12, true, 5);
    tracker.observe(poolKey("p"), 30, true, 7);
    tracker.seed("o1", 70, 0);
    expect(tracker.entries()).toEqual([
      ["o0", 12, 5],
      ["pool:p", 30, 7],
    ]);
  });

  it("prune forgets estimates whose last sample is older than the limit", () => {
    const tracker = new LatencyTracker();
    tracker.observe("old", 12, true, 0);
    tracker.observe("new", 12, true, 9_000);
    tracker.prune(10_001, 10_000);
    expect(tracker.estimate("old", 10_001)).toBeUndefined();
    expect(tracker.estimate("new", 10_001)).toBeDefined();
    expect(tracker.size).toBe(1);
  });
});

describe("ColoLatency: estimates per edge location", () => {
  it("a sample measured from one colo changes only that colo's estimates", () => {
    const colos = new ColoLatency();
    colos.tracker("FRA").observe("o0", 300, true, 0);
    colos.tracker("SIN").observe("o0", 5, true, 0);
    expect(colos.tracker("FRA").estimate("o0", 0)).toBe(300);
    expect(colos.tracker("SIN").estimate("o0", 0)).toBe(5);
    expect(colos.peek("LHR")).toBeUndefined();
    expect([...colos.colos()].map(([c]) => c)).toEqual(["FRA", "SIN"]);
  });

  it("each colo's signals read its own tracker, and are made once per colo", () => {
    const colos = new ColoLatency();
    const now = (): number => 0;
    const fra = colos.signals("FRA", () => 0, now);
    colos.tracker("FRA").observe("o0", 40, true, 0);
    expect(fra.latencyMs("o0")).toBe(40);
    expect(colos.signals("SIN", () => 0, now).latencyMs("o0")).toBeUndefined();
    expect(colos.signals("FRA", () => 0, now)).toBe(fra);
  });
});

describe("the choosing rule (latency-choice.ts)", () => {
  const settings = DEFAULT_LATENCY_SETTINGS;

  it("cost = estimate × (pile-up + 1); unmeasured costs 0 with nothing in flight, the penalty × (outstanding + 1) with", () => {
    const tracker = new LatencyTracker();
    tracker.observe("o0", 10, true, 0);
    expect(latencyCost("o0", trackerSignals(tracker, 0), settings)).toBe(10);
    // Nothing usual (signals that do not track it): every try in flight beyond the slack of one is a pile-up.
    expect(latencyCost("o0", trackerSignals(tracker, 0, { o0: 1 }), settings)).toBe(10);
    expect(latencyCost("o0", trackerSignals(tracker, 0, { o0: 3 }), settings)).toBe(30);
    // Usually 4 in flight: up to 4 + 3 × 2 + 1 = 11 cost nothing, each beyond adds the estimate once.
    const usual = (n: number) =>
      latencySignals(
        tracker,
        () => n,
        () => 0,
        undefined,
        () => 4,
      );
    expect(pileUpAllowance(4)).toBe(4 + PILE_UP_SIGMAS * 2 + PILE_UP_SLACK);
    expect(latencyCost("o0", usual(3), settings)).toBe(10);
    expect(latencyCost("o0", usual(11), settings)).toBe(10);
    expect(latencyCost("o0", usual(14), settings)).toBe(40);
    // Compared as of its last sample: reading later does not make it cheaper.
    const later = latencySignals(
      tracker,
      () => 0,
      () => 30_000,
    );
    expect(latencyCost("o0", later, settings)).toBe(10);
    expect(later.latencyMs("o0", DECAY_MS)).toBeCloseTo(10 * Math.exp(-3), 9);
    expect(latencyCost("new", trackerSignals(tracker, 0), settings)).toBe(0);
    expect(latencyCost("new", trackerSignals(tracker, 0, { new: 1 }), settings)).toBe(2 * DEFAULT_FAILURE_PENALTY_MS);
  });

  it("explores at most explorePercent of picks, only keys stale for exploreIntervalSeconds with nothing in flight", () => {
    const tracker = new LatencyTracker();
    tracker.observe("fast", 5, true, 0);
    tracker.observe("slow", 50, true, 0);
    const items = { keyOf: (k: string) => k };
    const memory = new Map<string, number>();
    const picks = (now: number, n: number, outstanding: Record<string, number> = {}): string[] =>
      Array.from({ length: n }, () =>
        at(
          ["fast", "slow"],
          chooseByLatency(["fast", "slow"], items, trackerSignals(tracker, now, outstanding), settings, memory, Math.random),
        ),
      );
    // Fresh: never explored, the credit only builds up (to at most one).
    expect(picks(1_000, 500)).not.toContain("slow");
    expect(memory.get(EXPLORE_CREDIT)).toBe(1);
    // Stale but in flight: not explored.
    expect(picks(DEFAULT_EXPLORE_INTERVAL_SECONDS * 1_000, 10, { slow: 1 })).not.toContain("slow");
    // Stale: one pick explores it at once, then the credit is spent.
    const stale = picks(DEFAULT_EXPLORE_INTERVAL_SECONDS * 1_000, 1_000);
    const explored = stale.filter((k) => k === "slow").length;
    expect(explored).toBe(1 + Math.floor((1_000 - 1) / (100 / DEFAULT_EXPLORE_PERCENT)));
    expect(explored / stale.length).toBeLessThanOrEqual(DEFAULT_EXPLORE_PERCENT / 100 + 0.001);
  });

  it("explorePercent 0 never explores", () => {
    const tracker = new LatencyTracker();
    tracker.observe("fast", 5, true, 0);
    tracker.observe("slow", 50, true, 0);
    const memory = new Map<string, number>();
    const off = { ...settings, explorePercent: 0 };
    for (let i = 0; i < 200; i++)
      expect(
        chooseByLatency(["fast", "slow"], { keyOf: (k: string) => k }, trackerSignals(tracker, 60_000), off, memory, Math.random),
      ).toBe(0);
  });
});

describe("latency pool steering", () => {
  /** Pool "p" on route "r": o0, o1, … of equal weight, steered by `latency` with these settings. */
  const pool = (origins: number, latency: Record<string, number> = {}): CompiledConfig =>
    compile(singlePool({ origins, pool: { steering: "latency", latency } }));

  function pickCounts(config: CompiledConfig, signals: SteeringSignals, n: number, seed = 1): Record<string, number> {
    const route = routeOf(config);
    const random = mulberry32(seed);
    const memory = createMemoryStore();
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const selection = pickAllHealthy(route, random, memory, signals);
      ids.push(selection?.origin.id ?? "(none)");
    }
    return countIds(ids);
  }

  it("with fresh estimates 5/40/150 ms every pick goes to the 5 ms origin", () => {
    expect(pickCounts(pool(3), fakeSignals({ latencyMs: { o0: 40, o1: 5, o2: 150 } }), 1_000)).toEqual({ o1: 1_000 });
  });

  it("an origin that fails fast (503 in 1 ms) does not win over a 40 ms healthy one", () => {
    const tracker = new LatencyTracker();
    tracker.observe("o0", 1, false, 0);
    tracker.observe("o1", 40, true, 0);
    expect(pickCounts(pool(2), trackerSignals(tracker, 0), 1_000)).toEqual({ o1: 1_000 });
  });

  it("…whereas the same 1 ms answer counted as a success would take everything (the trap the penalty avoids)", () => {
    const tracker = new LatencyTracker();
    tracker.observe("o0", 1, true, 0);
    tracker.observe("o1", 40, true, 0);
    expect(pickCounts(pool(2), trackerSignals(tracker, 0), 1_000)).toEqual({ o0: 1_000 });
  });

  it("tries in flight to an origin with no usual load raise its cost beyond the slack: latency × (outstanding − slack + 1)", () => {
    const latencyMs = { o0: 10, o1: 40 };
    expect(pickCounts(pool(2), fakeSignals({ latencyMs }), 100)).toEqual({ o0: 100 });
    // 10 ms × (9 − 1 + 1) = 90 > 40 ms × 1: the fast but busy origin loses.
    expect(pickCounts(pool(2), fakeSignals({ latencyMs, outstanding: { o0: 9 } }), 100)).toEqual({ o1: 100 });
    // 40 ms × 1 (one try is within the slack) = 40 > 10 ms × (3 − 1 + 1) = 30: load on both is weighed.
    expect(pickCounts(pool(2), fakeSignals({ latencyMs, outstanding: { o0: 3, o1: 1 } }), 100)).toEqual({ o0: 100 });
  });

  it("an origin never measured is tried at once, and not again while its first try is in flight", () => {
    expect(pickCounts(pool(2), fakeSignals({ latencyMs: { o1: 40 } }), 10)).toEqual({ o0: 10 });
    expect(pickCounts(pool(2), fakeSignals({ latencyMs: { o1: 40 }, outstanding: { o0: 1 } }), 10)).toEqual({ o1: 10 });
  });

  it("ties (every origin unmeasured, at cold start) split by weight", () => {
    const config = compile(singlePool({ origins: 3, origin: (i) => ({ weight: i === 0 ? 2 : 1 }), pool: { steering: "latency" } }));
    const n = 10_000;
    const counts = pickCounts(config, fakeSignals(), n);
    expect(Math.abs((counts.o0 ?? 0) / n - 0.5)).toBeLessThanOrEqual(0.02);
    expect(Math.abs((counts.o2 ?? 0) / n - 0.25)).toBeLessThanOrEqual(0.02);
  });

  it("cold, at 20 requests/s against 60/5/30 ms origins: the 5 ms one takes ≥ 95% from the 3rd request on (today's 1 s penalty gave it none)", () => {
    const latency: Record<string, number> = { o0: 60, o1: 5, o2: 30 };
    const picks = latencyRun({ config: pool(3), latencyOf: (id) => latency[id] ?? 0, requestsPerSecond: 20, durationMs: 60_000 });
    expect(new Set(picks.slice(0, 3).map((p) => p.origin))).toEqual(new Set(["o0", "o1", "o2"]));
    expect(shareOf(picks, "o1", picks[3]?.t ?? 0, 60_000)).toBeGreaterThanOrEqual(0.95);
  });

  it("every healthy origin keeps being measured: no origin goes longer than the explore interval plus a few picks without a request", () => {
    const latency: Record<string, number> = { o0: 5, o1: 40, o2: 150, o3: 400 };
    const picks = latencyRun({ config: pool(4), latencyOf: (id) => latency[id] ?? 0, requestsPerSecond: 50, durationMs: 120_000 });
    for (const id of Object.keys(latency)) {
      const times = picks.filter((p) => p.origin === id).map((p) => p.t);
      const gaps = times.slice(1).map((t, i) => t - at(times, i));
      // Exploring one of three stale origins every 50 picks (1 s at 50/s): at most ~3 s after going stale.
      expect(Math.max(...gaps), id).toBeLessThanOrEqual(DEFAULT_EXPLORE_INTERVAL_SECONDS * 1_000 + 3_500);
    }
    expect(shareOf(picks, "o0", 0, 120_000)).toBeGreaterThanOrEqual(0.95);
  });

  it("slows 10×: traffic moves within two answers (a confirmed peak); recovers: traffic is back within 10 s (default settings)", () => {
    const latency = (id: string, t: number): number => {
      if (id === "o0") return t >= 20_000 && t < 40_000 ? 200 : 20;
      return id === "o1" ? 40 : 100;
    };
    const picks = latencyRun({ config: pool(3), latencyOf: latency, requestsPerSecond: 50, durationMs: 80_000 });
    expect(shareOf(picks, "o0", 5_000, 20_000)).toBeGreaterThanOrEqual(0.95);
    const moved = settledAt(picks, "o1", 20_000, 0.9);
    expect(moved).toBeDefined();
    expect((moved ?? Infinity) - 20_000).toBeLessThanOrEqual(100);
    const back = settledAt(picks, "o0", 40_000, 0.9);
    expect(back).toBeDefined();
    expect((back ?? Infinity) - 40_000).toBeLessThanOrEqual(10_000);
    expect(shareOf(picks, "o0", 55_000, 80_000)).toBeGreaterThanOrEqual(0.95);
  });

  it("an origin failing fast (503 in 1 ms) gets under 1% of the traffic from 5 s on", () => {
    const latency = (id: string): number => (id === "o0" ? -1 : id === "o1" ? 40 : 60);
    const picks = latencyRun({ config: pool(3), latencyOf: latency, requestsPerSecond: 50, durationMs: 60_000 });
    expect(shareOf(picks, "o0", 5_000, 60_000)).toBeLessThan(0.01);
    expect(shareOf(picks, "o0", 5_000, 60_000)).toBeGreaterThan(0);
  });

  it("shorter decaySeconds and exploreIntervalSeconds in the pool's settings bring a recovered origin back sooner", () => {
    const latency = (id: string, t: number): number => (id === "o0" ? (t < 10_000 ? 300 : 5) : 40);
    const recovery = (settings: Record<string, number>): number => {
      const picks = latencyRun({ config: pool(2, settings), latencyOf: latency, requestsPerSecond: 50, durationMs: 60_000 });
      return (settledAt(picks, "o0", 10_000, 0.9) ?? Infinity) - 10_000;
    };
    const quick = recovery({ decaySeconds: 1, exploreIntervalSeconds: 0.5, explorePercent: 10 });
    const slow = recovery({});
    expect(quick).toBeLessThanOrEqual(2_000);
    expect(quick).toBeLessThan(slow);
  });
});

describe("latency route steering", () => {
  /** Route "r" over pools a, b, c (one origin each), steered by `latency`. */
  const config = (latency: Record<string, number> = {}): CompiledConfig =>
    compile(multiPool({ a: 1, b: 1, c: 1 }, { steering: "latency", latency }));
  const route: CompiledRoute = routeOf(config());

  function orderIds(signals: SteeringSignals, memory = new Map<string, number>(), random: RandomSource = () => 0.5): string[] {
    return latencyRoute.order({ route, client: {}, random, memory, isUp: () => true, signals }).map((p) => p.id);
  }

  it("puts the cheapest pool first and the others in route order", () => {
    const signals = fakeSignals({ latencyMs: { [poolKey("a")]: 80, [poolKey("b")]: 20, [poolKey("c")]: 50 } });
    expect(orderIds(signals)).toEqual(["b", "a", "c"]);
  });

  it("a pool never measured is tried first while nothing is in flight to it, and not while something is", () => {
    const latencyMs = { [poolKey("a")]: 5, [poolKey("b")]: 40 };
    expect(orderIds(fakeSignals({ latencyMs }))).toEqual(["c", "a", "b"]);
    expect(orderIds(fakeSignals({ latencyMs, outstanding: { [poolKey("c")]: 1 } }))).toEqual(["a", "b", "c"]);
  });

  it("skips pools that are down", () => {
    const signals = fakeSignals({ latencyMs: { [poolKey("a")]: 80, [poolKey("b")]: 20, [poolKey("c")]: 50 } });
    const order = latencyRoute.order({ route, client: {}, random: () => 0.5, memory: new Map(), isUp: (p) => p.id !== "b", signals });
    expect(order.map((p) => p.id)).toEqual(["c", "a", "b"]);
  });

  it("explores a stale pool within its budget, not a fresh one", () => {
    const tracker = new LatencyTracker();
    for (const [id, ms] of [
      ["a", 5],
      ["b", 40],
      ["c", 150],
    ] as const)
      tracker.observe(poolKey(id), ms, true, 0);
    const memory = new Map<string, number>();
    expect(orderIds(trackerSignals(tracker, 1_000), memory)).toEqual(["a", "b", "c"]);
    // At 6 s b and c are stale: the stalest (equal age: the first found) is explored once, then the credit is spent.
    tracker.observe(poolKey("a"), 5, true, 6_000);
    expect(orderIds(trackerSignals(tracker, 6_000), memory)).toEqual(["b", "a", "c"]);
    expect(orderIds(trackerSignals(tracker, 6_000), memory)).toEqual(["a", "b", "c"]);
  });

  it("recovers in seconds: a pool slowed 10× loses its traffic at once and has it back within 10 s of recovering (today ~21 s)", () => {
    const latency = (id: string, t: number): number => {
      if (id === "a-0") return t >= 20_000 && t < 40_000 ? 200 : 20;
      return id === "b-0" ? 40 : 100;
    };
    const picks = latencyRun({ config: config(), latencyOf: latency, requestsPerSecond: 50, durationMs: 80_000 });
    expect(shareOf(picks, "a", 5_000, 20_000, "pool")).toBeGreaterThanOrEqual(0.95);
    expect((settledAt(picks, "b", 20_000, 0.9, 20, "pool") ?? Infinity) - 20_000).toBeLessThanOrEqual(100);
    expect((settledAt(picks, "a", 40_000, 0.9, 20, "pool") ?? Infinity) - 40_000).toBeLessThanOrEqual(10_000);
    expect(shareOf(picks, "a", 55_000, 80_000, "pool")).toBeGreaterThanOrEqual(0.95);
  });
});

describe("latency settings in the config", () => {
  it("default on every pool and route, with the anchored values", () => {
    const c = compile(singlePool({ origins: 1 }));
    const expected = {
      decaySeconds: DEFAULT_DECAY_SECONDS,
      explorePercent: DEFAULT_EXPLORE_PERCENT,
      exploreIntervalSeconds: DEFAULT_EXPLORE_INTERVAL_SECONDS,
      failurePenaltyMs: DEFAULT_FAILURE_PENALTY_MS,
    };
    expect(routeOf(c).source.latency).toEqual(expected);
    expect(routeOf(c).pools[0]?.source.latency).toEqual(expected);
    expect(expected).toEqual({ decaySeconds: 10, explorePercent: 2, exploreIntervalSeconds: 5, failurePenaltyMs: 1_000 });
  });

  it("are set per pool and per route, and bad values are rejected naming the field", () => {
    const good = singlePool({ origins: 1, pool: { steering: "latency", latency: { decaySeconds: 2 } } });
    expect(routeOf(compile(good)).pools[0]?.source.latency.decaySeconds).toBe(2);
    for (const [latency, field] of [
      [{ decaySeconds: 0 }, "decaySeconds"],
      [{ explorePercent: 60 }, "explorePercent"],
      [{ exploreIntervalSeconds: -1 }, "exploreIntervalSeconds"],
      [{ failurePenaltyMs: "fast" }, "failurePenaltyMs"],
      [{ decay: 10 }, "decay"],
    ] as const) {
      const result = validateConfig(singlePool({ origins: 1, pool: { latency: latency as never } }));
      expect(result.ok, JSON.stringify(latency)).toBe(false);
      expect(JSON.stringify(result)).toContain(field);
    }
  });
});
