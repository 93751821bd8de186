/**
 * Properties of a rollout's analysis and controller over random traffic (fast-check, seeded by
 * test/setup/property-seed.ts; the traffic itself is drawn from mulberry32 seeded by fast-check):
 *
 * - a good target (the stable pools' error rate and latency) fails an interval no more often
 *   than 1 − confidence;
 * - a target sitting exactly on every limit in every colo — the worst case the stated
 *   confidence covers — fails an interval, looks inside it included, at most 1 − confidence
 *   of the time (within Monte Carlo error);
 * - whatever happens, the controller's weight, step and state agree, and an ended rollout
 *   stays ended.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { analyse } from "../../src/rollout/analysis.ts";
import {
  activeOf,
  hasEnded,
  onCommand,
  onConfigChanged,
  onInterval,
  onReport,
  onWebhookRefused,
  startRollout,
} from "../../src/rollout/controller.ts";
import { DEFAULT_ANALYSIS, DEFAULT_STEPS } from "../../src/rollout/spec.ts";
import type { AnalysisSpec, IntervalCounts, RolloutSpec, RolloutStatus, SideCounts } from "../../src/rollout/types.ts";
import { mulberry32 } from "./helpers/random.ts";
import { countsOf, drawSide, side } from "./helpers/rollout-counts.ts";

const coloArb = fc.record({
  targetRequests: fc.integer({ min: 50, max: 3_000 }),
  stableRequests: fc.integer({ min: 100, max: 30_000 }),
  meanMs: fc.double({ min: 5, max: 500, noNaN: true }),
  spread: fc.double({ min: 0.05, max: 1, noNaN: true }),
});

const specArb: fc.Arbitrary<AnalysisSpec> = fc
  .record({
    maxErrorRate: fc.constantFrom(0.001, 0.005, 0.01, 0.05),
    maxLatencyRatio: fc.constantFrom(1.1, 1.5, 2),
    confidence: fc.constantFrom(0.9, 0.95, 0.99),
  })
  .map((s) => ({ ...DEFAULT_ANALYSIS, ...s }));

/** Sums two sides' counts (an interval from its reports). */
function plus(a: SideCounts, b: SideCounts): SideCounts {
  return {
    requests: a.requests + b.requests,
    failures: a.failures + b.failures,
    latencySumMs: a.latencySumMs + b.latencySumMs,
    latencySumSqMs: a.latencySumSqMs + b.latencySumSqMs,
    latencyCount: a.latencyCount + b.latencyCount,
  };
}

describe("a good target", () => {
  it("fails an interval at most 1 − confidence of the time", () => {
    let intervals = 0;
    let failed = 0;
    let allowed = 0;
    fc.assert(
      fc.property(
        fc.array(coloArb, { minLength: 1, maxLength: 6 }),
        specArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer(),
        (colos, spec, shareOfLimit, seed) => {
          const random = mulberry32(seed);
          // Target and stable alike: the same error rate (at most the limit) and the same latency.
          const p = shareOfLimit * spec.maxErrorRate;
          const K = 60;
          let fails = 0;
          for (let k = 0; k < K; k++) {
            const counts = new Map(
              colos.map((c, i) => {
                const latency = { mean: c.meanMs, sd: c.meanMs * c.spread };
                return [
                  `C${i}`,
                  { target: drawSide(c.targetRequests, p, latency, random), stable: drawSide(c.stableRequests, p, latency, random) },
                ];
              }),
            );
            if (analyse(counts, spec).verdict === "fail") fails++;
          }
          intervals += K;
          failed += fails;
          allowed += K * (1 - spec.confidence);
          // Per world: within 4 standard deviations of the allowed rate.
          const alpha = 1 - spec.confidence;
          expect(fails).toBeLessThanOrEqual(K * alpha + 4 * Math.sqrt(K * alpha * (1 - alpha)));
        },
      ),
      { numRuns: 40 },
    );
    // Over all worlds: no more failures than the stated confidences allow.
    expect(failed).toBeLessThanOrEqual(allowed);
    expect(intervals).toBe(40 * 60);
  });
});

describe("a target exactly on every limit, in every colo", () => {
  it("fails an interval, its looks included, at most 1 − confidence of the time", () => {
    // 8 colos; target error rate = maxErrorRate, stable's = half of it (the relative check's
    // margin is reached too), target mean latency = maxLatencyRatio × stable's, and
    // maxLatencyMs = the target's mean: all four checks on their boundary.
    const spec: RolloutSpec = {
      id: "edge",
      route: "api",
      to: "canary",
      steps: DEFAULT_STEPS,
      intervalSeconds: 60,
      analysis: { ...DEFAULT_ANALYSIS, maxLatencyMs: 150 },
      abTest: undefined,
      webhooks: undefined,
      createdAt: 0,
    };
    const random = mulberry32(20_261_204);
    const N = 400;
    let failed = 0;
    for (let k = 0; k < N; k++) {
      let status: RolloutStatus = startRollout(spec, 0);
      const sums = new Map<string, { target: SideCounts; stable: SideCounts }>();
      // Six reports of 10 s: a look after each of the first five, the verdict after the sixth.
      for (let r = 1; r <= 6 && status.state === "progressing"; r++) {
        for (let c = 0; c < 8; c++) {
          const target = drawSide(25, 0.01, { mean: 150, sd: 60 }, random);
          const stable = drawSide(475, 0.005, { mean: 100, sd: 40 }, random);
          const held = sums.get(`C${c}`);
          sums.set(
            `C${c}`,
            held === undefined ? { target, stable } : { target: plus(held.target, target), stable: plus(held.stable, stable) },
          );
        }
        const counts: IntervalCounts = new Map(sums);
        status = r < 6 ? onReport(status, counts, r * 10_000) : onInterval(status, counts, r * 10_000);
      }
      if (status.state === "rolled_back") failed++;
    }
    const alpha = 0.05;
    expect(failed / N).toBeLessThanOrEqual(alpha + 3 * Math.sqrt((alpha * (1 - alpha)) / N));
  });
});

describe("a bad target, with the same traffic", () => {
  /** Rollouts (of `n`) rolled back within their first interval, 8 colos of 25 target and 475 stable requests per 10 s. */
  function rolledBack(n: number, target: { p: number; meanMs: number }): { share: number; atMs: number[] } {
    const spec: RolloutSpec = {
      id: "bad",
      route: "api",
      to: "canary",
      steps: DEFAULT_STEPS,
      intervalSeconds: 60,
      analysis: DEFAULT_ANALYSIS,
      abTest: undefined,
      webhooks: undefined,
      createdAt: 0,
    };
    const random = mulberry32(7);
    let count = 0;
    const atMs: number[] = [];
    for (let k = 0; k < n; k++) {
      let status: RolloutStatus = startRollout(spec, 0);
      const sums = new Map<string, { target: SideCounts; stable: SideCounts }>();
      for (let r = 1; r <= 6 && status.state === "progressing"; r++) {
        for (let c = 0; c < 8; c++) {
          const t = drawSide(25, target.p, { mean: target.meanMs, sd: 40 }, random);
          const st = drawSide(475, 0.001, { mean: 100, sd: 40 }, random);
          const held = sums.get(`C${c}`);
          sums.set(
            `C${c}`,
            held === undefined ? { target: t, stable: st } : { target: plus(held.target, t), stable: plus(held.stable, st) },
          );
        }
        status = r < 6 ? onReport(status, new Map(sums), r * 10_000) : onInterval(status, new Map(sums), r * 10_000);
      }
      if (status.state === "rolled_back") {
        count++;
        atMs.push(status.history[status.history.length - 1]?.at ?? Number.NaN);
      }
    }
    return { share: count / n, atMs };
  }

  it("failing 5 % of requests: rolled back in the first interval, mostly at the first report", () => {
    const r = rolledBack(200, { p: 0.05, meanMs: 100 });
    expect(r.share).toBe(1);
    // 200 target requests by the first report (10 failures expected, 2 at the limit): most go then, all by the third.
    expect(r.atMs.filter((t) => t === 10_000).length / r.atMs.length).toBeGreaterThan(0.6);
    expect(Math.max(...r.atMs)).toBeLessThanOrEqual(30_000);
  });

  it("twice as slow: rolled back in the first interval", () => {
    expect(rolledBack(200, { p: 0.001, meanMs: 200 }).share).toBe(1);
  });

  it("a third slower (within the 1.5 ratio) and no more failures: never", () => {
    expect(rolledBack(200, { p: 0.001, meanMs: 133 }).share).toBe(0);
  });
});

describe("the controller's invariants", () => {
  const GOOD = countsOf({ FRA: [side(200), side(4_000)] });
  const BAD = countsOf({ FRA: [side(200, 50), side(4_000)] });
  const THIN = countsOf({ FRA: [side(5), side(100)] });
  const eventArb = fc.oneof(
    fc.record({
      kind: fc.constant("interval" as const),
      counts: fc.constantFrom(GOOD, BAD, THIN),
      dt: fc.integer({ min: 0, max: 90_000 }),
    }),
    fc.record({ kind: fc.constant("report" as const), counts: fc.constantFrom(GOOD, BAD, THIN), dt: fc.integer({ min: 0, max: 20_000 }) }),
    fc.record({
      kind: fc.constant("command" as const),
      command: fc.constantFrom("promote", "pause", "resume", "abort"),
      dt: fc.integer({ min: 0, max: 5_000 }),
    }),
    fc.record({ kind: fc.constant("config" as const), dt: fc.integer({ min: 0, max: 5_000 }) }),
    fc.record({ kind: fc.constant("webhook" as const), dt: fc.integer({ min: 0, max: 5_000 }) }),
  );

  it("weight follows the step, ended rollouts stay ended, history grows by at most one entry per event", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(eventArb, { maxLength: 40 }), (ab, events) => {
        const spec: RolloutSpec = {
          id: "p",
          route: "api",
          to: "canary",
          steps: DEFAULT_STEPS,
          intervalSeconds: 60,
          analysis: { ...DEFAULT_ANALYSIS, maxInconclusiveIntervals: 3 },
          abTest: ab ? { header: { name: "x-canary", value: "1" }, cookie: undefined, intervals: 2 } : undefined,
          webhooks: undefined,
          createdAt: 0,
        };
        let now = 0;
        let s = startRollout(spec, now);
        for (const e of events) {
          now += e.dt;
          const before = s;
          let next: RolloutStatus;
          if (e.kind === "interval") next = onInterval(s, e.counts, now);
          else if (e.kind === "report") next = onReport(s, e.counts, now);
          else if (e.kind === "config") next = onConfigChanged(s, "changed", now);
          else if (e.kind === "webhook") next = onWebhookRefused(s, "HTTP 500", now);
          else {
            const r = onCommand(s, e.command, now);
            if ("error" in r) {
              expect(
                hasEnded(s) || (e.command === "pause" && s.state === "paused") || (e.command === "resume" && s.state !== "paused"),
              ).toBe(true);
              continue;
            }
            next = r;
          }
          if (hasEnded(before)) expect(next).toBe(before);
          expect(next.history.length - before.history.length).toBeLessThanOrEqual(1);
          s = next;
          expect(s.step).toBeGreaterThanOrEqual(ab ? -1 : 0);
          expect(s.step).toBeLessThan(DEFAULT_STEPS.length);
          if (s.state === "rolled_back" || s.state === "aborted") {
            expect(s.weight).toBe(0);
            expect(activeOf(s)).toBeUndefined();
          } else if (s.state === "promoted") {
            expect(s.weight).toBe(100);
          } else {
            expect(s.weight).toBe(s.step === -1 ? 0 : DEFAULT_STEPS[s.step]);
            expect(activeOf(s)?.weight).toBe(s.weight);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
