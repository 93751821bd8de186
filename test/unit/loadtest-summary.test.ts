/** The load test's arithmetic: medians over rounds, and ratios taken round by round against the same round's reference. */
import { describe, expect, it } from "vitest";
import { roundsTable } from "../../scripts/lib/loadtest/rounds.ts";
import { compare, median, perRound, summarize } from "../../scripts/lib/loadtest/summary.ts";
import type { ThroughputScenario } from "../../scripts/lib/loadtest/options.ts";
import type { RunRecord } from "../../scripts/lib/loadtest/throughput.ts";

function run(scenario: ThroughputScenario, round: number, rps: number, p50 = 1, cpu?: number): RunRecord {
  return {
    scenario,
    load: "loaded",
    connections: 20,
    round,
    durationSec: 5,
    ok: rps * 5,
    non2xx: 0,
    errors: 0,
    rps,
    p50,
    p90: p50 * 2,
    p99: p50 * 4,
    mean: p50,
    max: p50 * 8,
    inFlight: 20,
    autocannon: { p50, p90: p50, p99: p50 },
    proxyCpuUsPerReq: cpu,
    originCpuUsPerReq: undefined,
    proxyCpuPct: undefined,
    originCpuPct: undefined,
    driverCpuPct: undefined,
  };
}

const ORDER: ThroughputScenario[] = ["passthrough", "minimal", "edgeway-weighted", "nginx"];

describe("load test summary", () => {
  it("median of odd and even counts, ignoring non-finite values", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([Number.NaN, 5])).toBe(5);
    expect(median([])).toBeNaN();
  });

  it("takes ratios round by round, so a slow round hits Edgeway and its references alike", () => {
    // Round 2 is slow for everything (machine noise): its ratios are the same as round 1's.
    const runs = [
      run("passthrough", 1, 1000, 2, 150),
      run("minimal", 1, 800, 2.5, 190),
      run("edgeway-weighted", 1, 720, 2.8, 205),
      run("nginx", 1, 4000),
      run("passthrough", 2, 500, 4, 150),
      run("minimal", 2, 400, 5, 190),
      run("edgeway-weighted", 2, 360, 5.6, 205),
      run("nginx", 2, 2000),
      run("passthrough", 3, 1000, 2, 150),
      run("minimal", 3, 780, 2.5, 190),
      run("edgeway-weighted", 3, 700, 2.9, 210),
      run("nginx", 3, 4000),
    ];
    const byScenario = new Map(compare(runs, ORDER, "loaded").map((c) => [c.scenario, c]));
    expect([...byScenario.keys()]).toEqual(["minimal", "edgeway-weighted"]);
    const edgeway = byScenario.get("edgeway-weighted");
    expect(edgeway?.vsPassthrough).toBeCloseTo(0.72, 10);
    // 720/800, 360/400, 700/780: median 0.9.
    expect(edgeway?.vsMinimal).toBeCloseTo(0.9, 10);
    expect(edgeway?.vsNginx).toBeCloseTo(0.18, 10);
    // 0.8, 1.6 and 0.9 ms over the same round's pass-through.
    expect(edgeway?.addedP50Ms).toBeCloseTo(0.9, 10);
    expect(edgeway?.addedCpuUsPerReq).toBeCloseTo(55, 10);
    expect(edgeway?.meetsThroughputTarget).toBe(false);
    expect(edgeway?.meetsLatencyTarget).toBe(true);
    // The minimal worker is measured against the pass-through, but the targets are Edgeway's.
    const minimal = byScenario.get("minimal");
    expect(minimal?.vsPassthrough).toBeCloseTo(0.8, 10);
    expect(minimal?.vsMinimal).toBeUndefined();
    expect(minimal?.meetsThroughputTarget).toBeUndefined();
    expect(minimal?.meetsLatencyTarget).toBeUndefined();
  });

  it("prices a piece of the contract: the minimal worker without it, against the minimal worker and the pass-through", () => {
    const runs = [run("passthrough", 1, 1000), run("minimal", 1, 750), run("minimal-no-response", 1, 840)];
    const [minimal, noResponse] = compare(runs, ["passthrough", "minimal", "minimal-no-response"], "loaded");
    expect(minimal?.scenario).toBe("minimal");
    expect(noResponse?.vsPassthrough).toBeCloseTo(0.84, 10);
    expect(noResponse?.vsMinimal).toBeCloseTo(1.12, 10);
    expect(noResponse?.meetsThroughputTarget).toBeUndefined();
  });

  it("meets the throughput target at 90% of the pass-through, and leaves ratios out when a reference did not run", () => {
    const runs = [run("passthrough", 1, 1000), run("edgeway-weighted", 1, 900)];
    const [edgeway] = compare(runs, ["passthrough", "edgeway-weighted"], "loaded");
    expect(edgeway?.meetsThroughputTarget).toBe(true);
    expect(edgeway?.vsMinimal).toBeUndefined();
    expect(edgeway?.vsNginx).toBeUndefined();
    const summary = summarize(runs, ["passthrough", "minimal", "edgeway-weighted"], "loaded");
    expect(summary.map((s) => [s.scenario, s.rps])).toEqual([
      ["passthrough", 1000],
      ["edgeway-weighted", 900],
    ]);
  });
});

describe("round by round", () => {
  const runs = [
    run("passthrough", 1, 1000, 1, 160),
    run("minimal", 1, 800, 1, 210),
    run("edgeway-weighted", 1, 720, 1, 250),
    run("passthrough", 2, 1100, 1, 170),
    run("minimal", 2, 1000, 1, 200),
    run("edgeway-weighted", 2, 950, 1, 230),
    // Round 3 lost its minimal run: that round has no ratio to show.
    run("passthrough", 3, 900, 1, 165),
    run("edgeway-weighted", 3, 700, 1, 260),
  ];

  it("pairs each round with the same round's reference, in round order", () => {
    const ratios = perRound(runs, "edgeway-weighted", "minimal", (a, b) => a.rps / b.rps);
    expect(ratios).toEqual([0.9, 0.95, undefined]);
    expect(perRound(runs, "edgeway-weighted", "passthrough", (a, b) => (a.proxyCpuUsPerReq ?? 0) - (b.proxyCpuUsPerReq ?? 0))).toEqual([
      90, 60, 95,
    ]);
  });

  it("shows every round's ratio to the minimal worker and CPU over the pass-through, so the spread is in the report", () => {
    const lines = roundsTable(runs, compare(runs, ["passthrough", "minimal", "edgeway-weighted"], "loaded"));
    const row = lines.find((l) => l.includes("edgeway-weighted"));
    expect(row).toContain("90% 95% —");
    expect(row).toContain("+90 +60 +95");
    // The minimal worker is the reference: no row of its own.
    expect(lines.some((l) => /\|\s*minimal\s*\|/.test(l))).toBe(false);
  });
});
