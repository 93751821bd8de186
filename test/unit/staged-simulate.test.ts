/**
 * The staged config change scenarios of the simulator (scripts/lib/simulate/rollout/staged-*.ts)
 * on the real stage controller and analysis, seeds 1–10: a version that sends SIN's traffic
 * to a dead pool is rolled back naming SIN before it reaches every colo; a good version is
 * promoted, never rolled back, in stages × interval (one interval more when KV brought the
 * first stage late).
 */
import { describe, expect, it } from "vitest";
import { simulateStaged } from "../../scripts/lib/simulate/rollout/staged-run.ts";
import { stagedConfigBad, stagedConfigGood } from "../../scripts/lib/simulate/rollout/staged-scenarios.ts";

describe("staged config scenarios", () => {
  it("staged-config-bad: rolled back naming SIN in every seed, in force in fewer than every colo", () => {
    const result = simulateStaged(stagedConfigBad, 1);
    expect(result.checks.every((c) => c.ok)).toBe(true);
    for (const s of result.seeds) {
      expect(s).toMatchObject({ state: "rolled_back", colo: "SIN" });
      expect(s.mostColos).toBeLessThan(14);
      // Rolled back before its last stage was due, and the candidate served a minority of requests.
      expect(s.decidedAtS).toBeLessThan(300);
      expect(s.candidateShare).toBeLessThan(0.2);
    }
  });

  it("staged-config-good: promoted in every seed, never rolled back", () => {
    const result = simulateStaged(stagedConfigGood, 1);
    expect(result.checks.every((c) => c.ok)).toBe(true);
    for (const s of result.seeds) {
      expect(s.state).toBe("promoted");
      expect(s.decidedAtS).toBeLessThanOrEqual(370);
    }
  });
});
