/**
 * Live weights from load reports (load-weights.ts) and the isolate's bookkeeping around
 * them (load-tracker.ts): Envoy's weight formula, blackout, expiry, the fallback to the
 * configured weights on the live scale, and the pool's 1 s update.
 */
import { describe, expect, it } from "vitest";
import type { LoadReport } from "../../src/steering/load-report.ts";
import { LoadTracker } from "../../src/steering/load-tracker.ts";
import { liveWeights, MAX_LIVE_WEIGHT, mergeLoad, nextLoad, reportWeight, WEIGHT_UPDATE_MS } from "../../src/steering/load-weights.ts";
import type { LoadAwareSettings, OriginLoad } from "../../src/steering/load-weights.ts";
import { weighted } from "../../src/steering/pool/weighted.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { NO_SIGNALS } from "../../src/steering/types.ts";
import type { SteeringSignals } from "../../src/steering/types.ts";
import { compile, poolOf, singlePool } from "./helpers/configs.ts";
import { mulberry32 } from "./helpers/random.ts";

const report = (cpu: number, rps = 10, eps = 0, app = 0): LoadReport => ({
  cpuUtilization: cpu,
  memUtilization: 0,
  applicationUtilization: app,
  rpsFractional: rps,
  eps,
});
const SETTINGS: LoadAwareSettings = { blackoutMs: 10_000, expiryMs: 180_000, errorUtilizationPenalty: 1 };
/** Reporting since t=0, last report at `at`. */
const reporting = (r: LoadReport, at = 60_000, since = 0): OriginLoad => ({ report: r, at, since });

describe("reportWeight (Envoy's calculateWeightFromOrcaReport)", () => {
  it("is qps ÷ utilization", () => {
    expect(reportWeight(report(0.2, 10), 1)).toBeCloseTo(50);
    expect(reportWeight(report(0.8, 10), 1)).toBeCloseTo(12.5);
  });

  it("adds eps ÷ qps × penalty to the utilization, so an origin answering errors loses weight", () => {
    // 0.2 + 5/10 × 1 = 0.7
    expect(reportWeight(report(0.2, 10, 5), 1)).toBeCloseTo(10 / 0.7);
    expect(reportWeight(report(0.2, 10, 5), 0)).toBeCloseTo(50);
  });

  it("uses the application's own utilization when it gives one", () => {
    expect(reportWeight(report(0.9, 10, 0, 0.1), 1)).toBeCloseTo(100);
  });

  it("gives no weight without requests per second or without utilization, and caps at 2^32-1", () => {
    expect(reportWeight(report(0.5, 0), 1)).toBeUndefined();
    expect(reportWeight(report(0, 10), 1)).toBeUndefined();
    expect(reportWeight(report(1e-12, 1e6), 1)).toBe(MAX_LIVE_WEIGHT);
  });
});

describe("liveWeights", () => {
  const origins = [
    { id: "a", weight: 1 },
    { id: "b", weight: 1 },
  ];

  it("weighs reporting origins inversely to their utilization once the blackout is over", () => {
    const loads: Record<string, OriginLoad> = { a: reporting(report(0.2)), b: reporting(report(0.8)) };
    const w = liveWeights(origins, (id) => loads[id], SETTINGS, 60_000);
    expect(w.map((x) => x.source)).toEqual(["report", "report"]);
    expect((w[0]?.weight ?? 0) / (w[1]?.weight ?? 1)).toBeCloseTo(4);
  });

  it("keeps the configured weights during the blackout", () => {
    const loads: Record<string, OriginLoad> = { a: reporting(report(0.2), 9_000, 0), b: reporting(report(0.8), 9_000, 0) };
    const w = liveWeights(
      [
        { id: "a", weight: 1 },
        { id: "b", weight: 3 },
      ],
      (id) => loads[id],
      SETTINGS,
      9_999,
    );
    expect(w).toEqual([
      { weight: 1, source: "blackout" },
      { weight: 3, source: "blackout" },
    ]);
    // At exactly the blackout's end the reports count.
    expect(liveWeights(origins, (id) => loads[id], SETTINGS, 10_000).map((x) => x.source)).toEqual(["report", "report"]);
  });

  it("lets a weight lapse once the last report is older than the expiry, back to the configured weights", () => {
    const loads: Record<string, OriginLoad> = { a: reporting(report(0.2), 60_000), b: reporting(report(0.8), 60_000) };
    const configured = [
      { id: "a", weight: 1 },
      { id: "b", weight: 3 },
    ];
    expect(liveWeights(configured, (id) => loads[id], SETTINGS, 60_000 + 180_000).map((x) => x.source)).toEqual(["report", "report"]);
    expect(liveWeights(configured, (id) => loads[id], SETTINGS, 60_000 + 180_001)).toEqual([
      { weight: 1, source: "expired" },
      { weight: 3, source: "expired" },
    ]);
  });

  it("gives an origin without a live weight its configured weight on the live scale (the median ratio, Envoy's median with equal weights)", () => {
    const loads: Record<string, OriginLoad> = { a: reporting(report(0.2)), b: reporting(report(0.5)), c: reporting(report(0.8)) };
    const four = [
      { id: "a", weight: 1 },
      { id: "b", weight: 1 },
      { id: "c", weight: 1 },
      { id: "d", weight: 2 },
    ];
    const w = liveWeights(four, (id) => loads[id], SETTINGS, 60_000);
    expect(w[3]?.source).toBe("no_report");
    // Median of 50, 20, 12.5 is 20; d's configured weight is twice the others'.
    expect(w[3]?.weight).toBeCloseTo(40);
  });

  it("never brings back a drained origin, and counts a report without qps as unusable", () => {
    const loads: Record<string, OriginLoad> = { a: reporting(report(0.2)), b: reporting(report(0.1, 0)) };
    const w = liveWeights(
      [
        { id: "a", weight: 0 },
        { id: "b", weight: 1 },
      ],
      (id) => loads[id],
      SETTINGS,
      60_000,
    );
    expect(w).toEqual([
      { weight: 0, source: "drained" },
      { weight: 1, source: "unusable" },
    ]);
  });
});

describe("nextLoad and mergeLoad", () => {
  it("keeps the blackout's start while reports keep coming, and restarts it after a gap longer than the expiry", () => {
    const first = nextLoad(undefined, report(0.5), 1_000, 5_000);
    expect(first.since).toBe(1_000);
    const second = nextLoad(first, report(0.4), 6_000, 5_000);
    expect(second).toEqual({ report: report(0.4), at: 6_000, since: 1_000 });
    expect(nextLoad(second, report(0.4), 11_001, 5_000).since).toBe(11_001);
  });

  it("takes the newer report and the earlier start when two views of one origin touch", () => {
    const local: OriginLoad = { report: report(0.3), at: 20_000, since: 15_000 };
    const colo: OriginLoad = { report: report(0.6), at: 25_000, since: 2_000 };
    expect(mergeLoad(local, colo, 180_000)).toEqual({ report: report(0.6), at: 25_000, since: 2_000 });
    expect(mergeLoad(colo, local, 180_000)).toEqual({ report: report(0.6), at: 25_000, since: 2_000 });
    // Runs that do not touch: the newer run's start.
    expect(mergeLoad({ report: report(0.3), at: 1_000, since: 0 }, { report: report(0.6), at: 9_000, since: 8_000 }, 5_000).since).toBe(
      8_000,
    );
  });
});

describe("LoadTracker", () => {
  const config = compile(
    singlePool({
      origins: 2,
      origin: (i) => ({ weight: i === 0 ? 1 : 3 }),
      pool: { loadAware: { blackoutSeconds: 1, expirySeconds: 5 } },
    }),
  );
  const pool = poolOf(config, "p");

  it("reads a report, counts a bad one without losing the good one, and updates weights at most every second", () => {
    const tracker = new LoadTracker();
    expect(tracker.observe(pool, "o0", "TEXT cpu_utilization=0.2, rps_fractional=10", 0)).toBe("ok");
    expect(tracker.observe(pool, "o1", "TEXT cpu_utilization=0.8, rps_fractional=10", 0)).toBe("ok");
    expect(tracker.observe(pool, "o1", "TEXT cpu_utilization=-1", 500)).toBe("out_of_range");
    expect(tracker.load("o1")?.report.cpuUtilization).toBe(0.8);
    // In blackout: configured weights.
    expect(tracker.weightsFor(pool, 500).get("o1")).toEqual({ weight: 3, source: "blackout" });
    // Still the weights computed at 500 ms, though the blackout ended at 1 s.
    expect(tracker.weightsFor(pool, 500 + WEIGHT_UPDATE_MS - 1).get("o1")?.source).toBe("blackout");
    tracker.observe(pool, "o0", "TEXT cpu_utilization=0.2, rps_fractional=10", 1_400);
    tracker.observe(pool, "o1", "TEXT cpu_utilization=0.8, rps_fractional=10", 1_400);
    const live = tracker.weightsFor(pool, 1_500);
    expect(live.get("o0")?.weight).toBeCloseTo(50);
    expect(live.get("o1")?.weight).toBeCloseTo(12.5);
    // Reports stop: after the 5 s expiry the configured weights are back.
    expect(tracker.weightsFor(pool, 6_401).get("o0")).toEqual({ weight: 1, source: "expired" });
  });

  it("takes in the colo's view, newer reports winning", () => {
    const tracker = new LoadTracker();
    tracker.observe(pool, "o0", "TEXT cpu_utilization=0.2, rps_fractional=10", 10_000);
    tracker.seed("o0", { report: report(0.9), at: 5_000, since: 0 });
    expect(tracker.load("o0")).toEqual({ report: report(0.2), at: 10_000, since: 0 });
    tracker.seed("o0", { report: report(0.9), at: 12_000, since: 0 });
    expect(tracker.load("o0")?.report.cpuUtilization).toBe(0.9);
    // The same header as before must be parsed again: the colo's newer report replaced it.
    tracker.observe(pool, "o0", "TEXT cpu_utilization=0.2, rps_fractional=10", 13_000);
    expect(tracker.load("o0")?.report.cpuUtilization).toBe(0.2);
  });

  it("makes weighted steering split by live weights (4:1 for 0.2 and 0.8 CPU) where the configured weights say 1:3", () => {
    const tracker = new LoadTracker();
    for (const t of [0, 2_000]) {
      tracker.observe(pool, "o0", "TEXT cpu_utilization=0.2, rps_fractional=10", t);
      tracker.observe(pool, "o1", "TEXT cpu_utilization=0.8, rps_fractional=10", t);
    }
    const signals: SteeringSignals = { ...NO_SIGNALS, liveWeights: (p) => tracker.weightsFor(p, 2_000) };
    const memory = new Map<string, number>();
    const counts = { o0: 0, o1: 0 };
    for (let i = 0; i < 100; i++) {
      const picked = weighted.pick({
        pool,
        candidates: pool.origins,
        client: {},
        random: mulberry32(i),
        memory,
        signals,
        hashKey: undefined,
      });
      if (picked !== undefined) counts[picked.id as "o0" | "o1"]++;
    }
    expect(counts).toEqual({ o0: 80, o1: 20 });
  });

  it("ignores live weights in a pool that is not load-aware", () => {
    const plain = poolOf(compile(singlePool({ origins: 2, origin: (i) => ({ weight: i === 0 ? 1 : 3 }) })), "p");
    const signals: SteeringSignals = {
      ...NO_SIGNALS,
      liveWeights: () => {
        throw new Error("must not be asked");
      },
    };
    const memory = new Map<string, number>();
    const ids = Array.from(
      { length: 4 },
      () =>
        weighted.pick({ pool: plain, candidates: plain.origins, client: {}, random: Math.random, memory, signals, hashKey: undefined })?.id,
    );
    expect(ids.filter((id) => id === "o1")).toHaveLength(3);
  });
});

describe("the loadAware option", () => {
  it("takes Envoy's defaults", () => {
    expect(poolOf(compile(singlePool({ pool: { loadAware: {} } })), "p").source.loadAware).toEqual({
      enabled: true,
      blackoutSeconds: 10,
      expirySeconds: 180,
      errorUtilizationPenalty: 1,
    });
  });

  it("is refused on a pool whose steering is not weighted, naming the field, and out of range values too", () => {
    const latency = validateConfig(singlePool({ pool: { steering: "latency", loadAware: { enabled: true } } }));
    expect(latency.ok ? [] : latency.issues).toEqual([
      { path: "pools[0].loadAware", message: 'works with "weighted" steering only; this pool\'s steering is "latency"' },
    ]);
    // Switched off, it may stay in the document whatever the steering.
    expect(validateConfig(singlePool({ pool: { steering: "latency", loadAware: { enabled: false } } })).ok).toBe(true);
    const bad = validateConfig(singlePool({ pool: { loadAware: { expirySeconds: 0, errorUtilizationPenalty: -1 } } }));
    expect(bad.ok ? [] : bad.issues.map((i) => i.path)).toEqual([
      "pools[0].loadAware.expirySeconds",
      "pools[0].loadAware.errorUtilizationPenalty",
    ]);
  });
});
