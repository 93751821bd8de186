/**
 * The CLI's staged config changes (scripts/lib/cli/staged.ts): the flags of `push --staged`
 * as the query of PUT /_edgeway/config?staged=true, a staged flag without --staged named as a
 * usage error, and the change printed for a person.
 */
import { describe, expect, it } from "vitest";
import { formatStaged, stagedQuery, strayStagedFlag } from "../../scripts/lib/cli/staged.ts";
import type { StagedAnswer } from "../../scripts/lib/cli/staged.ts";
import { paint } from "../../scripts/lib/table.ts";

describe("push --staged", () => {
  it("turns the flags into the query, only what was given", () => {
    expect(stagedQuery({ staged: true })).toBe("staged=true");
    const query = new URLSearchParams(
      stagedQuery({ staged: true, stages: "1, 10,100", interval: "2m", colos: "FRA,SIN", "min-requests": "20", "max-error-rate": "0.005" }),
    );
    expect(Object.fromEntries(query)).toEqual({
      staged: "true",
      stages: "1,10,100",
      intervalSeconds: "120",
      colos: "FRA,SIN",
      minRequests: "20",
      maxErrorRate: "0.005",
    });
  });

  it("a bad interval is a usage error naming the flag", () => {
    expect(() => stagedQuery({ staged: true, interval: "soon" })).toThrow(/--interval must be a duration/);
  });

  it("names a staged flag given without --staged", () => {
    expect(strayStagedFlag({ stages: "1,100" })).toBe("stages");
    expect(strayStagedFlag({ staged: true, stages: "1,100" })).toBeUndefined();
    expect(strayStagedFlag({})).toBeUndefined();
  });
});

describe("staged status", () => {
  const answer: StagedAnswer = {
    version: 13,
    from: 12,
    state: "rolled_back",
    stage: 1,
    stages: [1, 10, 100],
    colos: [],
    share: 10,
    reason: "SIN: error rate 1.000 > 0.010 (one-sided 95 %)",
    nextVerdictAt: null,
    history: [
      {
        at: 0,
        stage: 0,
        verdict: "pass",
        decision: "advance",
        figures: { targetRequests: 2678, stableRequests: 9164, targetErrorRate: 0.0007, stableErrorRate: 0.0007, failed: null },
      },
      {
        at: 60_000,
        stage: 1,
        verdict: "fail",
        decision: "rollback",
        colo: "SIN",
        figures: {
          targetRequests: 300,
          stableRequests: 9000,
          targetErrorRate: 1,
          stableErrorRate: 0.001,
          failed: "error rate 1.000 > 0.010 (one-sided 95 %)",
        },
      },
    ],
  };

  it("prints the change, its stages with the current one marked, each verdict newest first and the colo that failed", () => {
    const text = formatStaged(answer, paint(false), 0);
    const lines = text.split("\n");
    expect(lines[0]).toBe("staged change: version 13 (from 12) rolled_back — SIN: error rate 1.000 > 0.010 (one-sided 95 %)");
    expect(lines[1]).toBe("stages: 1 colo → [10%] → 100%");
    expect(lines[3]).toMatch(/stage 1 fail → rollback new 300 req 100\.00 % err, old 9000 req 0\.10 % err — SIN: error rate 1\.000/);
    expect(lines[4]).toMatch(/stage 0 pass → advance/);
  });
});
