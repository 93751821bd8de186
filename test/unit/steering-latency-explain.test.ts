/**
 * What /explain shows of latency steering (src/steering/latency-explain.ts): every
 * candidate's estimate (decayed, and as compared), age, load, usual count in flight,
 * pile-up, cost and staleness, the knobs and constants, and shares that agree with the
 * real picks of chooseByLatency.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_LATENCY_SETTINGS, LatencyTracker, PEAK_RATIO } from "../../src/steering/latency.ts";
import { chooseByLatency, PILE_UP_SIGMAS, PILE_UP_SLACK, pileUpAllowance, TIE_BAND } from "../../src/steering/latency-choice.ts";
import { latencySignals } from "../../src/steering/latency-colo.ts";
import { explainLatency } from "../../src/steering/latency-explain.ts";
import type { SteeringSignals } from "../../src/steering/types.ts";
import { mulberry32 } from "./helpers/random.ts";

/** Signals over a tracker read at a fixed time, with nothing in flight unless told. */
function trackerSignals(tracker: LatencyTracker, now: number, outstanding: Readonly<Record<string, number>> = {}): SteeringSignals {
  return latencySignals(
    tracker,
    (key) => outstanding[key] ?? 0,
    () => now,
  );
}

describe("explainLatency: what /explain shows of the choice", () => {
  const settings = DEFAULT_LATENCY_SETTINGS;
  const how = { keyOf: (k: string) => k, weightOf: () => 1 };

  it("every candidate's estimate, age, load, cost and staleness, the knobs, and the shares the policy delivers", () => {
    const tracker = new LatencyTracker();
    tracker.observe("fast", 5, true, 9_000);
    tracker.observe("slow", 50, true, 0);
    const signals = trackerSignals(tracker, 10_000, { fast: 1 });
    const e = explainLatency(["fast", "slow", "new"], how, signals, settings, undefined, (k) => k);
    expect(e.settings).toEqual(settings);
    // estimateMs decayed to now; steering compares the value at the last sample (comparedMs);
    // one try in flight with nothing usual is within the slack, so fast costs its estimate.
    expect(e.candidates.map((c) => [c.key, c.estimateMs, c.comparedMs, c.ageMs, c.outstanding, c.costMs, c.stale])).toEqual([
      ["fast", Math.round(5 * Math.exp(-0.1) * 100) / 100, 5, 1_000, 1, 5, false],
      ["slow", Math.round(50 * Math.exp(-1) * 100) / 100, 50, 10_000, 0, 50, true],
      ["new", null, null, null, 0, 0, false],
    ]);
    // The unmeasured one wins (cost 0); the stale one gets the explore share.
    expect(e.best).toBe(2);
    expect(e.explore).toBe(1);
    expect(e.shares).toEqual([0, 0.02, 0.98]);
    expect(e.why).toContain("new has the lowest cost");
    expect(e.why).toContain("slow is stale");
    expect(e.why).toContain("τ 10 s");
  });

  it("shows each candidate's usual count in flight and pile-up, the rule's constants, and the tie band's choice", () => {
    const tracker = new LatencyTracker();
    tracker.observe("busy", 20, true, 1_000);
    tracker.observe("idle", 19.5, true, 1_000);
    const inFlight: Record<string, number> = { busy: 3, idle: 0 };
    const usual: Record<string, number> = { busy: 2.5, idle: 0 };
    const signals = latencySignals(
      tracker,
      (k) => inFlight[k] ?? 0,
      () => 1_000,
      undefined,
      (k) => usual[k] ?? 0,
    );
    const e = explainLatency(["busy", "idle"], how, signals, settings, undefined, (k) => k);
    expect(e.candidates.map((c) => [c.key, c.outstanding, c.usualOutstanding, c.pileUp, c.costMs])).toEqual([
      ["busy", 3, 2.5, 0, 20],
      ["idle", 0, 0, 0, 19.5],
    ]);
    // idle is cheaper by under TIE_BAND: busy, carrying the stream, keeps it, as chooseByLatency decides.
    expect(e.best).toBe(0);
    expect(chooseByLatency(["busy", "idle"], how, signals, { ...settings, explorePercent: 0 }, new Map(), Math.random)).toBe(0);
    expect(e.constants).toEqual({ peakRatio: PEAK_RATIO, pileUpSigmas: PILE_UP_SIGMAS, pileUpSlack: PILE_UP_SLACK, tieBand: TIE_BAND });
    expect(e.why).toContain("busy is within 5% of the lowest cost and carries the stream");
    expect(e.why).toContain(`usual + ${PILE_UP_SIGMAS}√usual + ${PILE_UP_SLACK}`);
    expect(e.why).toContain(`${PEAK_RATIO}× the estimate`);
    // A pile-up: beyond usual + 3√usual + 1 ≈ 8.24 each try costs busy its estimate once more, and idle wins.
    inFlight.busy = 10;
    const piled = explainLatency(["busy", "idle"], how, signals, settings, undefined, (k) => k);
    expect(piled.candidates[0]?.pileUp).toBeCloseTo(10 - pileUpAllowance(2.5), 2);
    expect(piled.best).toBe(1);
  });

  it("agrees with the policy: the shares match 10,000 real picks", () => {
    const tracker = new LatencyTracker();
    tracker.observe("a", 30, true, 0);
    tracker.observe("b", 10, true, 9_000);
    tracker.observe("c", 10, true, 9_000);
    const signals = trackerSignals(tracker, 9_000);
    const e = explainLatency(["a", "b", "c"], how, signals, settings, undefined, (k) => k);
    const memory = new Map<string, number>();
    const random = mulberry32(3);
    const counts = [0, 0, 0];
    const n = 10_000;
    for (let i = 0; i < n; i++) {
      const k = chooseByLatency(["a", "b", "c"], how, signals, settings, memory, random);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    for (const [i, share] of e.shares.entries()) expect(Math.abs((counts[i] ?? 0) / n - share)).toBeLessThanOrEqual(0.02);
  });
});
