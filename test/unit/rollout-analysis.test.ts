/**
 * An interval's verdict (src/rollout/analysis.ts), table-driven on known counts: the
 * absolute and relative error checks, the latency checks, minRequests per colo, one colo
 * failing while the rest are fine, all colos together, and like-for-like colo mixes.
 */
import { describe, expect, it } from "vitest";
import { analyse, confidenceWords } from "../../src/rollout/analysis.ts";
import { DEFAULT_ANALYSIS } from "../../src/rollout/spec.ts";
import type { AnalysisSpec, IntervalCounts, Verdict } from "../../src/rollout/types.ts";
import { countsOf, side } from "./helpers/rollout-counts.ts";

/** A stable side with 1 % failures: the absolute check binds before the relative one (margin 0.5 points). */
const STABLE = side(2_000, 20);
/** A stable side with no failures. */
const CLEAN = side(2_000);

interface Case {
  readonly name: string;
  readonly counts: IntervalCounts;
  readonly spec?: Partial<AnalysisSpec>;
  readonly verdict: Verdict;
  readonly colo?: string;
  readonly failed?: string;
}

const CASES: readonly Case[] = [
  {
    name: "5 failures of 50 against a 1 % limit fail (P = 0.00015)",
    counts: countsOf({ FRA: [side(50, 5), STABLE] }),
    verdict: "fail",
    colo: "FRA",
    failed: "error rate 0.100 > 0.010 (one-sided 95 %)",
  },
  { name: "0 failures of 60 pass", counts: countsOf({ FRA: [side(60, 0), STABLE] }), verdict: "pass" },
  {
    name: "1 failure of 10 is inconclusive (fewer than minRequests)",
    counts: countsOf({ FRA: [side(10, 1), STABLE] }),
    verdict: "inconclusive",
  },
  {
    name: "10 failures of 10 are inconclusive too: noise is not judged",
    counts: countsOf({ FRA: [side(10, 10), STABLE] }),
    verdict: "inconclusive",
  },
  {
    name: "2 failures of 50 (4 % seen) pass: P(≥ 2 | 1 %) = 0.09 is no evidence",
    counts: countsOf({ FRA: [side(50, 2), STABLE] }),
    verdict: "pass",
  },
  {
    name: "2 failures of 50 pass against a clean stable too (the relative check is exact on the target's side)",
    counts: countsOf({ FRA: [side(50, 2), CLEAN] }),
    verdict: "pass",
  },
  {
    name: "3 failures of 50 fail (P = 0.014 ≤ 0.05 / 2 checks)",
    counts: countsOf({ FRA: [side(50, 3), STABLE] }),
    verdict: "fail",
    colo: "FRA",
    failed: "error rate 0.060 > 0.010 (one-sided 95 %)",
  },
  {
    name: "at 99 % confidence 3 of 50 pass (P = 0.014 > 0.01 / 2)",
    counts: countsOf({ FRA: [side(50, 3), STABLE] }),
    spec: { confidence: 0.99 },
    verdict: "pass",
  },
  {
    name: "under the absolute limit but 0.8 points worse than stable fails the relative check",
    counts: countsOf({ FRA: [side(20_000, 180), side(100_000, 100)] }),
    verdict: "fail",
    colo: "FRA",
    failed: "error rate 0.009 > stable 0.001 + 0.005 (one-sided 95 %)",
  },
  {
    name: "0.3 points worse than stable is within the margin",
    counts: countsOf({ FRA: [side(20_000, 80), side(100_000, 100)] }),
    verdict: "pass",
  },
  {
    name: "twice the stable latency fails the ratio check",
    counts: countsOf({ FRA: [side(100, 0, { mean: 200, sd: 60 }), side(2_000, 0, { mean: 100, sd: 30 })] }),
    verdict: "fail",
    colo: "FRA",
    failed: "latency 200 ms > 1.5 × stable 100 ms (one-sided 95 %)",
  },
  {
    name: "1.6 × stable with a wide spread over 50 requests is not evidence (t ≈ 0.5)",
    counts: countsOf({ FRA: [side(50, 0, { mean: 160, sd: 150 }), side(2_000, 0, { mean: 100, sd: 30 })] }),
    verdict: "pass",
  },
  {
    name: "maxLatencyMs bounds the target's mean",
    counts: countsOf({ FRA: [side(100, 0, { mean: 180, sd: 40 }), side(2_000, 0, { mean: 170, sd: 30 })] }),
    spec: { maxLatencyMs: 150 },
    verdict: "fail",
    colo: "FRA",
    failed: "latency 180 ms > 150 ms (one-sided 95 %)",
  },
  {
    name: "one colo fails while the others pass: the interval fails and names it",
    counts: countsOf({ FRA: [side(100, 10), STABLE], LHR: [side(100, 0), STABLE], IAD: [side(5, 0), STABLE] }),
    verdict: "fail",
    colo: "FRA",
    failed: "error rate 0.100 > 0.010 (one-sided 95 %)",
  },
  {
    name: "two colos fail: the stronger is named, the other listed",
    counts: countsOf({ FRA: [side(100, 10), STABLE], LHR: [side(100, 30), STABLE] }),
    verdict: "fail",
    colo: "LHR",
    failed: "error rate 0.300 > 0.010 (one-sided 95 %); also failing: FRA",
  },
  {
    name: "colos below minRequests still count together: all colos fail where none alone is judged bad",
    counts: countsOf({ FRA: [side(60, 0), STABLE], LHR: [side(5, 5), STABLE] }),
    verdict: "fail",
    failed: "error rate 0.077 > 0.010 (one-sided 95 %) across all colos, most from LHR",
  },
  {
    name: "enough target requests only all together, none failing: inconclusive (at least one colo must be judged)",
    counts: countsOf({ FRA: [side(30, 0), STABLE], LHR: [side(30, 0), STABLE] }),
    verdict: "inconclusive",
  },
  {
    name: "at 100 % the stable side is empty: judged on the absolute checks",
    counts: countsOf({ FRA: [side(100, 0, { mean: 300, sd: 20 }), side(0)] }),
    verdict: "pass",
  },
  {
    name: "no counts at all: inconclusive",
    counts: countsOf({}),
    verdict: "inconclusive",
  },
  {
    name: "colo mix: the target mostly in a colo where stable also fails 10 % is compared like for like",
    counts: countsOf({ A: [side(9_000, 900), side(1_000, 100)], B: [side(1_000, 0), side(9_000, 0)] }),
    spec: { maxErrorRate: 0.12 },
    verdict: "pass",
  },
];

describe("analyse: verdicts on known counts", () => {
  it.each(CASES)("$name", ({ counts, spec, verdict, colo, failed }) => {
    const result = analyse(counts, { ...DEFAULT_ANALYSIS, ...spec });
    expect(result.verdict).toBe(verdict);
    expect(result.colo).toBe(colo);
    expect(result.figures.failed).toBe(failed);
  });
});

describe("analyse: figures and the family of checks", () => {
  it("the same counts pooled naively (9 % against 1 %) would fail: the weighting is what keeps the colo-mix case fair", () => {
    const naive = analyse(countsOf({ A: [side(10_000, 900), side(10_000, 100)] }), { ...DEFAULT_ANALYSIS, maxErrorRate: 0.12 });
    expect(naive.verdict).toBe("fail");
    expect(naive.figures.failed).toBe("error rate 0.090 > stable 0.010 + 0.060 (one-sided 95 %)");
  });

  it("a fail carries the failing colo's figures; a pass carries all colos' with the stable side weighted to the target's mix", () => {
    const fail = analyse(countsOf({ FRA: [side(100, 10), STABLE], LHR: [side(300, 0), CLEAN] }), DEFAULT_ANALYSIS);
    expect(fail.figures).toMatchObject({ targetRequests: 100, stableRequests: 2_000, targetErrorRate: 0.1, stableErrorRate: 0.01 });
    const pass = analyse(countsOf({ FRA: [side(100, 0), STABLE], LHR: [side(300, 0), CLEAN] }), DEFAULT_ANALYSIS);
    expect(pass.verdict).toBe("pass");
    // FRA holds a quarter of the target's requests: stable 0.25 × 1 % + 0.75 × 0 %.
    expect(pass.figures).toMatchObject({ targetRequests: 400, stableRequests: 4_000, targetErrorRate: 0 });
    expect(pass.figures.stableErrorRate).toBeCloseTo(0.0025, 12);
    expect(pass.judged).toEqual(["FRA", "LHR"]);
  });

  it("latency figures are means over the timed responses; absent where nothing was timed", () => {
    const r = analyse(countsOf({ FRA: [side(100, 0, { mean: 120, sd: 10 }), side(1_000, 0, { mean: 100, sd: 10 })] }), DEFAULT_ANALYSIS);
    expect(r.figures.targetLatencyMs).toBeCloseTo(120, 9);
    expect(r.figures.stableLatencyMs).toBeCloseTo(100, 9);
    const untimed = analyse(countsOf({ FRA: [side(100), side(1_000)] }), DEFAULT_ANALYSIS);
    expect(untimed.figures.targetLatencyMs).toBeUndefined();
  });

  it("counts the checks it ran: 2 error checks per stratum, +1 with latency on both sides, +1 with maxLatencyMs", () => {
    expect(analyse(countsOf({ FRA: [side(60), CLEAN] }), DEFAULT_ANALYSIS).checks).toBe(2);
    const timed = countsOf({ FRA: [side(60, 0, { mean: 10, sd: 1 }), side(600, 0, { mean: 10, sd: 1 })] });
    expect(analyse(timed, DEFAULT_ANALYSIS).checks).toBe(3);
    expect(analyse(timed, { ...DEFAULT_ANALYSIS, maxLatencyMs: 50 }).checks).toBe(4);
    // Two colos judged, and all of them together: three strata of two checks.
    expect(analyse(countsOf({ FRA: [side(60), CLEAN], LHR: [side(60), CLEAN] }), DEFAULT_ANALYSIS).checks).toBe(6);
  });

  it("a smaller alpha (a look inside the interval) fails only on stronger evidence", () => {
    const counts = countsOf({ FRA: [side(50, 3), STABLE] });
    expect(analyse(counts, DEFAULT_ANALYSIS).verdict).toBe("fail");
    expect(analyse(counts, DEFAULT_ANALYSIS, 0.001).verdict).toBe("pass");
  });

  it("a limit of 0 fails on any failure; a limit of 1 never on the absolute check", () => {
    expect(analyse(countsOf({ FRA: [side(60, 1), side(60, 1)] }), { ...DEFAULT_ANALYSIS, maxErrorRate: 0 }).verdict).toBe("fail");
    expect(analyse(countsOf({ FRA: [side(60, 60), side(60, 60)] }), { ...DEFAULT_ANALYSIS, maxErrorRate: 1 }).verdict).toBe("pass");
  });

  it("words the confidence as people read it", () => {
    expect(confidenceWords(0.95)).toBe("95 %");
    expect(confidenceWords(0.999)).toBe("99.9 %");
  });
});
