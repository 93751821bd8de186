/**
 * Properties of latency steering, checked with fast-check over random sample histories and
 * random origin sets: decay on read, the failure penalty, the exploration floor (no healthy
 * origin or pool starves, and exploring stays within its share), and per-colo separation.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { DECAY_MS, DEFAULT_LATENCY_SETTINGS, FAILURE_PENALTY_MS, LatencyTracker, PEAK_RATIO } from "../../src/steering/latency.ts";
import { chooseByLatency, latencyCost, pileUpAllowance, TIE_BAND } from "../../src/steering/latency-choice.ts";
import type { SteeringSignals } from "../../src/steering/types.ts";
import { ColoLatency } from "../../src/steering/latency-colo.ts";
import { compile, multiPool, singlePool } from "./helpers/configs.ts";
import { latencyRun } from "./helpers/latency-run.ts";

/** One try: ms since the previous one, its time to answer, whether it succeeded. */
const sampleArb = fc.record({
  gap: fc.integer({ min: 0, max: 30_000 }),
  rtt: fc.double({ min: 0, max: 5_000, noNaN: true }),
  ok: fc.boolean(),
});
const historyArb = fc.array(sampleArb, { minLength: 1, maxLength: 40 });

/** Feeds a history to a tracker under key "o"; returns the time of the last sample. */
function feed(tracker: LatencyTracker, history: readonly { gap: number; rtt: number; ok: boolean }[], key = "o"): number {
  let t = 0;
  for (const s of history) {
    t += s.gap;
    tracker.observe(key, s.rtt, s.ok, t);
  }
  return t;
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

describe("estimator properties", () => {
  it("decay on read: an idle estimate only falls, by at least exp(−idle / τ), toward 0; reading changes nothing", () => {
    fc.assert(
      fc.property(historyArb, fc.integer({ min: 0, max: 60_000 }), fc.integer({ min: 0, max: 60_000 }), (history, a, b) => {
        const tracker = new LatencyTracker();
        const t = feed(tracker, history);
        const base = tracker.estimate("o", t) ?? Number.NaN;
        const [near, far] = a <= b ? [a, b] : [b, a];
        const atNear = tracker.estimate("o", t + near) ?? Number.NaN;
        const atFar = tracker.estimate("o", t + far) ?? Number.NaN;
        expect(atFar).toBeLessThanOrEqual(atNear);
        expect(close(atFar, base * Math.exp(-far / DECAY_MS))).toBe(true);
        // Reads in between leave the estimate as it was.
        expect(tracker.estimate("o", t)).toBe(base);
      }),
    );
  });

  it("a success s moves the estimate (its value at the last sample) toward s, never past it; only a trough (not over a failure's penalty) or a confirmed peak replaces it", () => {
    fc.assert(
      fc.property(historyArb, sampleArb, (history, next) => {
        const tracker = new LatencyTracker();
        const t = feed(tracker, history) + next.gap;
        const held = tracker.get("o");
        const base = held?.value ?? Number.NaN;
        const pending = held?.peak ?? 0;
        tracker.observe("o", next.rtt, true, t);
        const after = tracker.estimate("o", t) ?? Number.NaN;
        expect(after).toBeGreaterThanOrEqual(Math.min(next.rtt, base) - 1e-9);
        expect(after).toBeLessThanOrEqual(Math.max(next.rtt, base) + 1e-9);
        // A trough replaces it, unless the estimate holds a failure's penalty (then it is averaged in).
        if (next.rtt * PEAK_RATIO <= base && held?.failed !== true) expect(after).toBe(next.rtt);
        else if (next.rtt >= base * PEAK_RATIO && pending > 0) expect(after).toBe(Math.min(pending, next.rtt));
        // One slow answer alone never replaces the estimate: it is averaged in.
        else if (next.rtt > base * (1 + 1e-6) && base > 1e-3 && next.gap < 10 * DECAY_MS) expect(after).toBeLessThan(next.rtt);
      }),
    );
  });

  it("one slow answer between ordinary ones moves the estimate by at most its excess × its averaging weight (a peak not at all), and the next ordinary answer does not confirm it", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 500, noNaN: true }),
        fc.double({ min: 1, max: 1_000, noNaN: true }),
        fc.integer({ min: 1, max: 1_000 }),
        (mean, times, gap) => {
          const tracker = new LatencyTracker();
          let t = 0;
          let n = 0;
          for (; t <= 10_000; t += gap, n++) tracker.observe("o", mean, true, t);
          const slow = mean * times;
          tracker.observe("o", slow, true, t);
          const after = tracker.estimate("o", t) ?? Number.NaN;
          // The averaging weight: the time weight, or 1/n for an estimate of few answers; a peak (≥ 3×) is held, weight 0.
          const weight = Math.max(1 - Math.exp(-gap / DECAY_MS), 1 / (n + 1));
          expect(after).toBeLessThanOrEqual(mean + (slow - mean) * weight + 1e-9);
          if (times >= PEAK_RATIO * 1.001) expect(Math.abs(after - mean)).toBeLessThanOrEqual(1e-9 * mean);
          tracker.observe("o", mean, true, t + gap);
          expect(tracker.estimate("o", t + gap)).toBeLessThanOrEqual(after + 1e-9);
        },
      ),
    );
  });

  it("a failure never lowers the estimate and leaves it at least the penalty, however fast it failed", () => {
    fc.assert(
      fc.property(historyArb, sampleArb, fc.integer({ min: 1, max: 10_000 }), (history, next, penalty) => {
        const tracker = new LatencyTracker();
        const t = feed(tracker, history) + next.gap;
        const before = tracker.estimate("o", t) ?? 0;
        tracker.observe("o", next.rtt, false, t, DECAY_MS, penalty);
        expect(tracker.estimate("o", t)).toBe(Math.max(before, next.rtt, penalty));
      }),
    );
  });

  it("a failed try then decays like any other sample", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 10, noNaN: true }), fc.integer({ min: 0, max: 100_000 }), (rtt, idle) => {
        const tracker = new LatencyTracker();
        tracker.observe("o", rtt, false, 0);
        expect(close(tracker.estimate("o", idle) ?? Number.NaN, FAILURE_PENALTY_MS * Math.exp(-idle / DECAY_MS))).toBe(true);
      }),
    );
  });
});

describe("per-colo separation", () => {
  const opArb = fc.record({
    colo: fc.constantFrom("FRA", "SIN", "IAD"),
    key: fc.constantFrom("o0", "o1", "pool:p"),
    gap: fc.integer({ min: 0, max: 5_000 }),
    rtt: fc.double({ min: 0, max: 2_000, noNaN: true }),
    ok: fc.boolean(),
  });

  it("each colo's estimates are exactly what its own samples make them, whatever other colos measured", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const colos = new ColoLatency();
        const alone = new Map<string, LatencyTracker>();
        let t = 0;
        for (const op of ops) {
          t += op.gap;
          colos.tracker(op.colo).observe(op.key, op.rtt, op.ok, t);
          let own = alone.get(op.colo);
          if (own === undefined) {
            own = new LatencyTracker();
            alone.set(op.colo, own);
          }
          own.observe(op.key, op.rtt, op.ok, t);
        }
        for (const colo of ["FRA", "SIN", "IAD"]) {
          expect(colos.peek(colo)?.entries() ?? []).toEqual(alone.get(colo)?.entries() ?? []);
        }
      }),
    );
  });
});

describe("exploration floor", () => {
  /** 2–5 origins (or pools), the first at least twice as fast as every other. */
  const setupArb = fc.record({
    best: fc.integer({ min: 1, max: 50 }),
    others: fc.array(fc.double({ min: 2, max: 100, noNaN: true }), { minLength: 1, maxLength: 4 }),
    rate: fc.integer({ min: 10, max: 100 }),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
  });
  const settings = DEFAULT_LATENCY_SETTINGS;
  const perPick = 100 / settings.explorePercent;

  for (const level of ["pool", "route"] as const) {
    it(`${level}: every healthy ${level === "pool" ? "origin" : "pool"} is measured again within the explore interval plus its turn, and exploring stays within explorePercent`, () => {
      fc.assert(
        fc.property(setupArb, ({ best, others, rate, seed }) => {
          const latencies = [best, ...others.map((f) => best * f)];
          const n = latencies.length;
          const config =
            level === "pool"
              ? compile(singlePool({ origins: n, pool: { steering: "latency" } }))
              : compile(multiPool(Object.fromEntries(latencies.map((_, i) => [`p${i}`, 1])), { steering: "latency" }));
          const idOf = (i: number): string => (level === "pool" ? `o${i}` : `p${i}-0`);
          const byId = new Map(latencies.map((ms, i) => [idOf(i), ms]));
          const latencyOf = (id: string): number => byId.get(id) ?? 0;
          const durationMs = 60_000;
          const picks = latencyRun({ config, latencyOf, requestsPerSecond: rate, durationMs, seed });
          const field = level === "pool" ? "origin" : "pool";
          const name = (i: number): string => (level === "pool" ? `o${i}` : `p${i}`);
          // Stale after the interval, then at most n − 1 others ahead of it, one per 1/explorePercent picks.
          const maxGap = settings.exploreIntervalSeconds * 1_000 + ((n - 1) * perPick + 2) * (1_000 / rate) + Math.max(...latencies);
          for (let i = 0; i < n; i++) {
            const times = picks.filter((p) => p[field] === name(i)).map((p) => p.t);
            expect(times.length).toBeGreaterThan(0);
            let last = 0;
            for (const t of [...times, durationMs]) {
              expect(t - last, `${name(i)} waited from ${last} to ${t}`).toBeLessThanOrEqual(maxGap);
              last = t;
            }
          }
          // Everything but the first measuring round goes to the fastest, except the explored
          // share and, for each other, one pick each time its idle estimate has decayed below
          // the fastest's (every τ·ln(ratio) at most: the optimism that brings a recovered origin back).
          const elsewhere = picks.slice(n).filter((p) => p[field] !== name(0)).length;
          const decayWins = others.reduce((sum, f) => sum + Math.ceil(durationMs / (settings.decaySeconds * 1_000 * Math.log(f))) + 1, 0);
          expect(elsewhere).toBeLessThanOrEqual(Math.ceil((picks.length - n) / perPick) + 1 + decayWins);
          // With the others ≥ 3× slower they are refreshed by exploring before they decay that far.
          if (others.every((f) => f >= 3) && rate >= 50) expect(elsewhere).toBeLessThanOrEqual(Math.ceil((picks.length - n) / perPick) + 1);
        }),
        { numRuns: 20 },
      );
    }, 60_000);
  }
});

describe("tries in flight: the usual concurrency is free, a pile-up costs", () => {
  const settings = { ...DEFAULT_LATENCY_SETTINGS, explorePercent: 0 };
  /** Signals with fixed estimates, counts in flight and usual counts (all mutable by the caller). */
  function signalsOf(latency: Map<string, number>, inFlight: Map<string, number>, usual: Map<string, number>): SteeringSignals {
    return {
      latencyMs: (key) => latency.get(key),
      outstanding: (key) => inFlight.get(key) ?? 0,
      usualOutstanding: (key) => usual.get(key) ?? 0,
    };
  }
  const estimateArb = fc.double({ min: 0.5, max: 2_000, noNaN: true });
  const usualArb = fc.double({ min: 0, max: 50, noNaN: true });

  it("up to usual + 3√usual in flight the cost is the estimate alone", () => {
    fc.assert(
      fc.property(estimateArb, usualArb, fc.double({ min: 0, max: 1, noNaN: true }), (estimate, usual, f) => {
        const n = Math.floor(f * pileUpAllowance(usual));
        const cost = latencyCost("o", signalsOf(new Map([["o", estimate]]), new Map([["o", n]]), new Map([["o", usual]])), settings);
        expect(cost).toBe(estimate);
      }),
    );
  });

  it("beyond it each try piled up adds the estimate once: the cost grows with the pile-up, without bound", () => {
    fc.assert(
      fc.property(estimateArb, usualArb, fc.integer({ min: 1, max: 1_000 }), (estimate, usual, extra) => {
        const at = (n: number): number =>
          latencyCost("o", signalsOf(new Map([["o", estimate]]), new Map([["o", n]]), new Map([["o", usual]])), settings);
        const n = Math.floor(pileUpAllowance(usual)) + extra;
        expect(at(n)).toBeCloseTo(estimate * (n - pileUpAllowance(usual) + 1), 6);
        expect(at(n + 1)).toBeGreaterThan(at(n));
      }),
    );
  });

  it("a saturating fast origin (no answers coming back) is not flooded: the slower one gets a pick before the fast one has usual + 3√usual + (1 + band) × ratio in flight", () => {
    fc.assert(
      fc.property(estimateArb, fc.double({ min: 1.01, max: 50, noNaN: true }), usualArb, (fast, ratio, usual) => {
        const latency = new Map([
          ["fast", fast],
          ["slow", fast * ratio],
        ]);
        const inFlight = new Map<string, number>();
        const signals = signalsOf(latency, inFlight, new Map([["fast", usual]]));
        const memory = new Map<string, number>();
        const bound = pileUpAllowance(usual) + (1 + TIE_BAND) * ratio + 1;
        let sent = 0;
        for (;;) {
          const k = chooseByLatency(["fast", "slow"], { keyOf: (x: string) => x }, signals, settings, memory, Math.random);
          if (k !== 0) break;
          sent++;
          inFlight.set("fast", sent);
          expect(sent).toBeLessThanOrEqual(bound);
        }
      }),
    );
  });

  it("within the tie band the origin carrying the stream keeps it; beyond it the cheaper one wins", () => {
    fc.assert(
      fc.property(
        estimateArb,
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        (cost, lead, usual) => {
          // "b" is cheaper by `lead`; "a" carries the stream.
          const signals = signalsOf(
            new Map([
              ["a", cost],
              ["b", cost / (1 + lead)],
            ]),
            new Map(),
            new Map([["a", usual]]),
          );
          const k = chooseByLatency(["a", "b"], { keyOf: (x: string) => x }, signals, settings, new Map(), Math.random);
          expect(k).toBe(cost <= (cost / (1 + lead)) * (1 + TIE_BAND) ? 0 : 1);
        },
      ),
    );
  });
});
