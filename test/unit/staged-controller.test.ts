/**
 * The stage controller of a staged config change (src/config/staged-controller.ts): a pass
 * widens the change stage by stage and promotes it after the last; a colo on the candidate
 * failing where the old version's colos do not rolls it back at once, naming the colo; too
 * little traffic holds; commands; what isolates read (the record) at each stage; and the
 * old version's counts shared out among the colos judged, so they count once.
 */
import { describe, expect, it } from "vitest";
import {
  recordOf,
  stagedCommand,
  stagedCounts,
  stagedOnInterval,
  stagedOnReport,
  stagedSuperseded,
  startStaged,
} from "../../src/config/staged-controller.ts";
import type { StagedChange } from "../../src/config/staged-controller.ts";
import type { SideCounts } from "../../src/rollout/types.ts";
import { BASELINE_WINDOW_MS, ColoBaselines } from "../../src/config/staged-baseline.ts";

const INTERVAL_MS = 60_000;

function side(requests: number, failures: number, meanMs = 40): SideCounts {
  const timed = requests - failures;
  // A spread of ±10 ms around the mean.
  return { requests, failures, latencySumMs: timed * meanMs, latencySumSqMs: timed * (meanMs * meanMs + 100), latencyCount: timed };
}

const NONE = side(0, 0);

function start(stages = [1, 10, 100]): StagedChange {
  return startStaged({ version: 8, from: 7, stages, intervalSeconds: 60, colos: ["FRA"] }, 0);
}

/** FRA on the candidate; SIN, LHR and IAD on the old version. */
function counts(fra: SideCounts, old = side(2_000, 2)): Map<string, { target: SideCounts; stable: SideCounts }> {
  return new Map([
    ["FRA", { target: fra, stable: NONE }],
    ["SIN", { target: NONE, stable: old }],
    ["LHR", { target: NONE, stable: old }],
    ["IAD", { target: NONE, stable: old }],
  ]);
}

describe("the stage controller", () => {
  it("starts at the first stage: its colos only, nothing by hash", () => {
    const change = start();
    expect(change.rollout).toMatchObject({ state: "progressing", step: 0 });
    expect(recordOf(change)).toEqual({
      version: 8,
      from: 7,
      stages: [1, 10, 100],
      stage: 0,
      colos: ["FRA"],
      share: 0,
      startedAt: 0,
      state: "progressing",
    });
  });

  it("passes widen it stage by stage and promote it after the last, in stages × interval", () => {
    let change = start();
    change = stagedOnInterval(change, stagedCounts(counts(side(400, 0))), INTERVAL_MS);
    expect(recordOf(change)).toMatchObject({ stage: 1, share: 10, state: "progressing" });
    change = stagedOnInterval(change, stagedCounts(counts(side(4_000, 1))), 2 * INTERVAL_MS);
    expect(recordOf(change)).toMatchObject({ stage: 2, share: 100 });
    // The last stage: every colo on the candidate, no old side; judged on the absolute checks.
    const all = new Map([["FRA", { target: side(6_000, 2), stable: NONE }]]);
    change = stagedOnInterval(change, stagedCounts(all), 3 * INTERVAL_MS);
    expect(change.rollout.state).toBe("promoted");
    expect(recordOf(change)).toMatchObject({ state: "promoted", share: 100 });
    expect(change.rollout.history.map((h) => h.decision)).toEqual(["advance", "advance", "promote"]);
  });

  it("a colo failing on the candidate rolls it back at the first look, naming the colo and the figure", () => {
    const change = start();
    const looked = stagedOnReport(change, stagedCounts(counts(side(120, 30))), 10_000);
    expect(looked.rollout.state).toBe("rolled_back");
    const last = looked.rollout.history.at(-1);
    expect(last).toMatchObject({ verdict: "fail", decision: "rollback", colo: "FRA", step: 0 });
    expect(last?.figures?.failed).toMatch(/error rate/);
    expect(looked.rollout.reason).toMatch(/^FRA: error rate/);
    expect(recordOf(looked).state).toBe("rolled_back");
  });

  it("a candidate as good as the old version is not failed at a look", () => {
    const change = start();
    const looked = stagedOnReport(change, stagedCounts(counts(side(200, 0))), 10_000);
    expect(looked.rollout).toMatchObject({ state: "progressing", step: 0 });
  });

  it("too little traffic in its colos holds the stage", () => {
    const held = stagedOnInterval(start(), stagedCounts(counts(side(10, 0))), INTERVAL_MS);
    expect(held.rollout).toMatchObject({ state: "progressing", step: 0, inconclusive: 1 });
    expect(held.rollout.history.at(-1)).toMatchObject({ verdict: "inconclusive", decision: "hold" });
  });

  it("promote and abort by hand; an ended change refuses both", () => {
    const promoted = stagedCommand(start(), "promote", 5);
    expect("error" in promoted ? promoted.error : recordOf(promoted)).toMatchObject({ state: "promoted", share: 100 });
    const aborted = stagedCommand(start(), "abort", 5);
    if ("error" in aborted) throw new Error(aborted.error);
    expect(aborted.rollout.state).toBe("aborted");
    expect(stagedCommand(aborted, "promote", 6)).toEqual({ error: "staged change of version 8 has ended (aborted)" });
  });

  it("superseded by another version: ended, saying why", () => {
    const ended = stagedSuperseded(start(), "config version 9 was stored while the change was staged", 5);
    expect(ended.rollout).toMatchObject({ state: "aborted", reason: "config version 9 was stored while the change was staged" });
    expect(stagedSuperseded(ended, "again", 6)).toBe(ended);
  });
});

describe("the counts judged", () => {
  it("the old version's counts are shared out among the candidate's colos in proportion, once in all", () => {
    const perColo = new Map([
      ["FRA", { target: side(300, 3), stable: NONE }],
      ["AMS", { target: side(100, 1), stable: NONE }],
      ["SIN", { target: NONE, stable: side(3_000, 30) }],
      ["LHR", { target: NONE, stable: side(1_000, 10) }],
    ]);
    const judged = stagedCounts(perColo);
    expect([...judged.keys()]).toEqual(["FRA", "AMS"]);
    expect(judged.get("FRA")?.stable.requests).toBe(3_000);
    expect(judged.get("AMS")?.stable.requests).toBe(1_000);
    expect(judged.get("FRA")?.stable.failures).toBeCloseTo(30, 6);
    expect(judged.get("AMS")?.stable.failures).toBeCloseTo(10, 6);
    // The latency moments keep the old version's mean.
    const fra = judged.get("FRA")?.stable;
    expect((fra?.latencySumMs ?? 0) / (fra?.latencyCount ?? 1)).toBeCloseTo(40, 3);
  });

  it("no old-version colo: the candidate's colos are judged alone", () => {
    const judged = stagedCounts(new Map([["FRA", { target: side(300, 3), stable: NONE }]]));
    expect(judged.get("FRA")?.stable.requests).toBe(0);
  });
});

describe("each colo's baseline", () => {
  it("a colo with a baseline of its own is compared with it, not with the other colos", () => {
    // SYD is far from the origins: slower than the colos on the old version, as it always was.
    const perColo = new Map([
      ["SYD", { target: side(600, 0, 240), stable: NONE }],
      ["IAD", { target: NONE, stable: side(3_000, 0, 25) }],
    ]);
    const baselines = new Map([["SYD", side(1_200, 0, 238)]]);
    const judged = stagedCounts(perColo, baselines, 50);
    expect(judged.get("SYD")?.stable).toEqual(side(1_200, 0, 238));
    const change = stagedOnInterval(start(), judged, INTERVAL_MS);
    expect(change.rollout.history.at(-1)).toMatchObject({ verdict: "pass", decision: "advance" });
    // Against the near colos instead, its distance reads as a regression.
    const pooled = stagedOnInterval(start(), stagedCounts(perColo), INTERVAL_MS);
    expect(pooled.rollout.state).toBe("rolled_back");
  });

  it("ColoBaselines keeps one to two windows per colo, and forgets a colo silent for two", () => {
    const b = new ColoBaselines();
    b.add("FRA", side(100, 1), 0);
    b.add("FRA", side(100, 1), BASELINE_WINDOW_MS / 2);
    expect(b.of("FRA").requests).toBe(200);
    b.add("FRA", side(50, 0), BASELINE_WINDOW_MS);
    expect(b.of("FRA").requests).toBe(250);
    b.add("FRA", side(10, 0), 2 * BASELINE_WINDOW_MS);
    expect(b.of("FRA").requests).toBe(60);
    b.add("FRA", side(7, 0), 5 * BASELINE_WINDOW_MS);
    expect(b.of("FRA").requests).toBe(7);
    expect(b.of("SIN").requests).toBe(0);
  });
});
