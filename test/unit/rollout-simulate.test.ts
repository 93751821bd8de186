/**
 * The simulator's rollout scenarios (scripts/lib/simulate/rollout/): each meets its targets
 * on the real controller, runs are deterministic for a seed, a change of split reaches the
 * colos one snapshot refresh after the decision, and the report shows what was decided.
 */
import { describe, expect, it } from "vitest";
import { runRollout } from "../../scripts/lib/simulate/rollout/engine.ts";
import { renderRolloutText, rolloutMarkdown } from "../../scripts/lib/simulate/rollout/report.ts";
import { simulateRollout } from "../../scripts/lib/simulate/rollout/run.ts";
import { ROLLOUT_SCENARIOS } from "../../scripts/lib/simulate/rollout/scenarios/index.ts";
import { checkRollout } from "../../scripts/lib/simulate/rollout/targets.ts";
import type { RolloutScenario } from "../../scripts/lib/simulate/rollout/types.ts";
import { paint } from "../../scripts/lib/table.ts";
import { SNAPSHOT_TTL_MS } from "../../src/state/snapshot-cache.ts";

function scenario(name: string): RolloutScenario {
  const s = ROLLOUT_SCENARIOS.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no rollout scenario ${name}`);
  return s;
}

/** Three colos at 50 requests/s: a run in milliseconds. */
function small(s: RolloutScenario): RolloutScenario {
  return { ...s, colos: ["FRA", "SIN", "IAD"] };
}

describe("rollout scenarios", () => {
  it.each(ROLLOUT_SCENARIOS.map((s) => [s.name, s] as const))("%s meets its targets over ten seeds", (_, s) => {
    const result = simulateRollout(s, 1);
    expect(result.seeds).toHaveLength(10);
    for (const c of result.checks) expect(c.pass, `${c.target}: ${c.figure}`).toBe(true);
  });

  it("a run is the same for the same seed, and differs for another", () => {
    const s = small(scenario("canary-errors"));
    const a = runRollout(s, 3);
    expect(runRollout(s, 3)).toEqual(a);
    expect(runRollout(s, 4).requests).not.toBe(a.requests);
  });

  it("the target gets nothing before the first snapshot refresh, and nothing one refresh after the rollback", () => {
    const run = runRollout(small(scenario("canary-errors")), 1);
    expect(run.status.state).toBe("rolled_back");
    const decided = run.decidedAtMs ?? Number.NaN;
    expect(run.lastTargetMs).toBeLessThan(decided + SNAPSHOT_TTL_MS);
    expect(run.lastTargetMs).toBeGreaterThan(decided);
    const firstSeconds = Math.floor(SNAPSHOT_TTL_MS / 1_000);
    expect(run.shareBySecond.slice(0, firstSeconds).every((x) => x === 0)).toBe(true);
  });

  it("a good canary's traffic follows the steps: about 5, 25, 50 and 100 % in the four intervals", () => {
    const run = runRollout(small(scenario("canary-good")), 2);
    const mean = (from: number, to: number): number => run.shareBySecond.slice(from, to).reduce((a, b) => a + b, 0) / (to - from);
    expect(mean(5, 60)).toBeCloseTo(0.05, 1);
    expect(mean(65, 120)).toBeCloseTo(0.25, 1);
    expect(mean(125, 180)).toBeCloseTo(0.5, 1);
    expect(mean(185, 240)).toBeCloseTo(1, 5);
  });

  it("the checks fail where the figures do", () => {
    const s = scenario("canary-good");
    const seeds = simulateRollout(small(s), 1).seeds.map((x) => ({ ...x, state: "rolled_back", colo: "FRA" }));
    const checks = checkRollout(s, seeds, runRollout(small(s), 1).spec);
    expect(checks.map((c) => c.pass)).toEqual([false, false]);
    expect(checks[1]?.figure).toBe("10 of 10 rolled back");
  });

  it("the report names the decision, the colo and the figure", () => {
    const result = simulateRollout(scenario("canary-bad-in-one-colo"), 1);
    const text = renderRolloutText([result], paint(false));
    expect(text).toContain("canary-bad-in-one-colo");
    expect(text).toMatch(/first seed's verdict: SIN: error rate 0\.\d{3} > 0\.010 \(one-sided 95 %\)/);
    expect(rolloutMarkdown([result])).toContain("| canary-bad-in-one-colo | rolled back, naming SIN | ✅ 10/10 named SIN");
  });
});
