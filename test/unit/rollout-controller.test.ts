/**
 * A rollout's transitions (src/rollout/controller.ts): steps and promotion in steps ×
 * interval, rollback on a fail (and at a report inside the interval), inconclusive intervals
 * up to their deadline, the A/B stage, commands, config changes, webhook refusals, and what
 * isolates steer by in each state.
 */
import { describe, expect, it } from "vitest";
import {
  activeOf,
  HISTORY_LIMIT,
  intervalDue,
  intervalEndsAt,
  markPromoted,
  onCommand,
  onConfigChanged,
  onInterval,
  onReport,
  onWebhookRefused,
  startRollout,
} from "../../src/rollout/controller.ts";
import { DEFAULT_ANALYSIS, DEFAULT_STEPS } from "../../src/rollout/spec.ts";
import type { IntervalCounts, RolloutSpec, RolloutStatus } from "../../src/rollout/types.ts";
import { countsOf, side } from "./helpers/rollout-counts.ts";

const T0 = 1_800_000_000_000;
const MIN = 60_000;

function spec(over: Partial<RolloutSpec> = {}): RolloutSpec {
  return {
    id: "r1",
    route: "api",
    to: "canary",
    steps: DEFAULT_STEPS,
    intervalSeconds: 60,
    analysis: DEFAULT_ANALYSIS,
    abTest: undefined,
    webhooks: undefined,
    createdAt: T0,
    ...over,
  };
}

const GOOD: IntervalCounts = countsOf({ FRA: [side(200, 0), side(4_000, 4)], SIN: [side(150, 0), side(3_000, 3)] });
const BAD_SIN: IntervalCounts = countsOf({ FRA: [side(200, 0), side(4_000, 4)], SIN: [side(150, 30), side(3_000, 3)] });
const THIN: IntervalCounts = countsOf({ FRA: [side(20, 0), side(400, 0)] });
/** Ten seconds of a target failing 10 % in two colos: 30 target requests each, too few alone, plenty together. */
const EARLY_BAD: IntervalCounts = countsOf({ FRA: [side(30, 3), side(600, 0)], SIN: [side(30, 4), side(600, 1)] });

function expectStatus(x: RolloutStatus | { error: string }): RolloutStatus {
  if ("error" in x) throw new Error(x.error);
  return x;
}

describe("a rollout's progress", () => {
  it("starts at the first step, due one interval later", () => {
    const s = startRollout(spec(), T0);
    expect(s).toMatchObject({ state: "progressing", step: 0, weight: 5, intervalStartedAt: T0, inconclusive: 0, history: [] });
    expect(intervalEndsAt(s)).toBe(T0 + MIN);
    expect(intervalDue(s, T0 + MIN - 1)).toBe(false);
    expect(intervalDue(s, T0 + MIN)).toBe(true);
    expect(activeOf(s)).toEqual({ id: "r1", route: "api", to: "canary", weight: 5, abTest: undefined });
  });

  it("a good target is promoted after steps × interval, no more, through every weight", () => {
    let s = startRollout(spec(), T0);
    for (let i = 1; i <= 4; i++) s = onInterval(s, GOOD, T0 + i * MIN);
    expect(s.state).toBe("promoted");
    expect(s.weight).toBe(100);
    expect(s.history.map((h) => [h.step, h.weight, h.verdict, h.decision, h.at - T0])).toEqual([
      [0, 5, "pass", "advance", MIN],
      [1, 25, "pass", "advance", 2 * MIN],
      [2, 50, "pass", "advance", 3 * MIN],
      [3, 100, "pass", "promote", 4 * MIN],
    ]);
    expect(s.history[0]?.figures).toMatchObject({ targetRequests: 350, stableRequests: 7_000, failed: undefined });
  });

  it("an early or duplicate alarm changes nothing", () => {
    const s = startRollout(spec(), T0);
    expect(onInterval(s, BAD_SIN, T0 + MIN - 1)).toBe(s);
    const next = onInterval(s, GOOD, T0 + MIN);
    expect(onInterval(next, GOOD, T0 + MIN)).toBe(next);
  });

  it("a colo that fails rolls back at once: weight 0, the colo and the figure in history and reason", () => {
    let s = startRollout(spec(), T0);
    s = onInterval(s, GOOD, T0 + MIN);
    s = onInterval(s, BAD_SIN, T0 + 2 * MIN);
    expect(s).toMatchObject({ state: "rolled_back", weight: 0, step: 1 });
    const last = s.history[s.history.length - 1];
    expect(last).toMatchObject({ step: 1, weight: 25, verdict: "fail", decision: "rollback", colo: "SIN" });
    expect(last?.figures?.failed).toBe("error rate 0.200 > 0.010 (one-sided 95 %)");
    expect(s.reason).toBe("SIN: error rate 0.200 > 0.010 (one-sided 95 %)");
    expect(activeOf(s)).toBeUndefined();
    expect(intervalDue(s, T0 + 10 * MIN)).toBe(false);
    expect(onInterval(s, GOOD, T0 + 10 * MIN)).toBe(s);
  });

  it("inconclusive intervals wait, then hold (pause at the same weight) at maxInconclusiveIntervals", () => {
    let s = startRollout(spec({ analysis: { ...DEFAULT_ANALYSIS, maxInconclusiveIntervals: 3 } }), T0);
    s = onInterval(s, THIN, T0 + MIN);
    s = onInterval(s, THIN, T0 + 2 * MIN);
    expect(s).toMatchObject({ state: "progressing", step: 0, weight: 5, inconclusive: 2, intervalStartedAt: T0 + 2 * MIN });
    s = onInterval(s, THIN, T0 + 3 * MIN);
    expect(s).toMatchObject({ state: "paused", weight: 5, inconclusive: 3 });
    expect(s.reason).toBe("too little traffic to judge: 3 intervals without 50 target requests in any colo");
    expect(s.history.map((h) => `${h.verdict}/${h.decision}`)).toEqual(["inconclusive/hold", "inconclusive/hold", "inconclusive/hold"]);
    expect(activeOf(s)?.weight).toBe(5);
  });

  it("…or roll back when onInconclusive says so", () => {
    let s = startRollout(spec({ analysis: { ...DEFAULT_ANALYSIS, maxInconclusiveIntervals: 2, onInconclusive: "rollback" } }), T0);
    s = onInterval(s, THIN, T0 + MIN);
    s = onInterval(s, THIN, T0 + 2 * MIN);
    expect(s).toMatchObject({ state: "rolled_back", weight: 0 });
  });

  it("a pass after inconclusive intervals starts the next step's count afresh", () => {
    let s = startRollout(spec(), T0);
    s = onInterval(s, THIN, T0 + MIN);
    s = onInterval(s, GOOD, T0 + 2 * MIN);
    expect(s).toMatchObject({ step: 1, weight: 25, inconclusive: 0 });
  });
});

describe("looks inside an interval", () => {
  it("a failure at a report rolls back before the interval ends", () => {
    const s = onReport(startRollout(spec(), T0), EARLY_BAD, T0 + 10_000);
    expect(s).toMatchObject({ state: "rolled_back", weight: 0 });
    expect(s.history[0]).toMatchObject({ at: T0 + 10_000, verdict: "fail", decision: "rollback" });
    expect(s.history[0]?.colo).toBeUndefined();
    expect(s.reason).toBe("error rate 0.117 > 0.010 (one-sided 95 %) across all colos, most from SIN");
  });

  it("anything but a failure waits for the interval's end, recording the look", () => {
    const start = startRollout(spec(), T0);
    const s = onReport(start, GOOD, T0 + 10_000);
    expect(s).toMatchObject({ state: "progressing", step: 0, lookedAt: T0 + 10_000, history: [] });
    // A second look at the same moment has earned no budget: nothing changes.
    expect(onReport(s, EARLY_BAD, T0 + 10_000)).toBe(s);
  });

  it("spends only the budget the time since the last look earns: a borderline failure waits for the full verdict", () => {
    // 4 of 50 at a 1 % limit (P = 0.0016) fails at the interval's end (≤ 0.025 / 2 checks)
    // but not at a look 1 s in, which has earned 1/60 of the other 0.025.
    const borderline = countsOf({ FRA: [side(50, 4), side(2_000, 20)] });
    const start = startRollout(spec(), T0);
    expect(onReport(start, borderline, T0 + 1_000).state).toBe("progressing");
    expect(onReport(start, borderline, T0 + MIN).state).toBe("rolled_back");
  });

  it("once the interval is due a report is the interval's verdict", () => {
    const s = onReport(startRollout(spec(), T0), GOOD, T0 + MIN);
    expect(s).toMatchObject({ step: 1, weight: 25 });
  });
});

describe("the A/B stage", () => {
  const ab = spec({ abTest: { header: { name: "x-canary", value: "1" }, cookie: undefined, intervals: 2 } });

  it("starts at weight 0 with the match, lasts its intervals, then takes the first step", () => {
    let s = startRollout(ab, T0);
    expect(s).toMatchObject({ step: -1, weight: 0 });
    expect(activeOf(s)?.abTest).toEqual(ab.abTest);
    s = onInterval(s, GOOD, T0 + MIN);
    expect(s).toMatchObject({ step: -1, weight: 0, passes: 1 });
    s = onInterval(s, GOOD, T0 + 2 * MIN);
    expect(s).toMatchObject({ step: 0, weight: 5, passes: 0 });
    expect(activeOf(s)?.abTest).toBeUndefined();
    expect(s.history.map((h) => `${h.step}:${h.decision}`)).toEqual(["-1:hold", "-1:advance"]);
  });

  it("a fail in the A/B stage rolls back", () => {
    const s = onInterval(startRollout(ab, T0), BAD_SIN, T0 + MIN);
    expect(s).toMatchObject({ state: "rolled_back", weight: 0, step: -1 });
  });
});

describe("commands", () => {
  it("pause keeps the split and stops the clock; resume starts a fresh interval", () => {
    let s = startRollout(spec(), T0);
    s = expectStatus(onCommand(s, "pause", T0 + 5_000));
    expect(s).toMatchObject({ state: "paused", weight: 5, reason: "paused by hand" });
    expect(activeOf(s)?.weight).toBe(5);
    expect(intervalDue(s, T0 + 10 * MIN)).toBe(false);
    expect(onInterval(s, BAD_SIN, T0 + 10 * MIN)).toBe(s);
    expect(onCommand(s, "pause", T0 + 6_000)).toEqual({ error: "rollout r1 is already paused" });
    s = expectStatus(onCommand(s, "resume", T0 + 10 * MIN));
    expect(s).toMatchObject({ state: "progressing", intervalStartedAt: T0 + 10 * MIN, reason: undefined });
    expect(onCommand(s, "resume", T0 + 10 * MIN)).toEqual({ error: "rollout r1 is not paused" });
    expect(s.history.map((h) => `${h.verdict}/${h.decision}`)).toEqual(["manual/pause", "manual/resume"]);
  });

  it("abort rolls back: weight 0, nothing steered", () => {
    const s = expectStatus(onCommand(startRollout(spec(), T0), "abort", T0 + 1));
    expect(s).toMatchObject({ state: "aborted", weight: 0, reason: "aborted by hand" });
    expect(activeOf(s)).toBeUndefined();
  });

  it("promote takes 100 % at once; steering carries it until its config version is written", () => {
    const s = expectStatus(onCommand(startRollout(spec(), T0), "promote", T0 + 1));
    expect(s).toMatchObject({ state: "promoted", weight: 100 });
    expect(activeOf(s)).toMatchObject({ weight: 100 });
    const written = markPromoted(s, 42);
    expect(written.promotedVersion).toBe(42);
    expect(activeOf(written)).toBeUndefined();
  });

  it("an ended rollout refuses every command", () => {
    const ended = [
      expectStatus(onCommand(startRollout(spec(), T0), "abort", T0)),
      expectStatus(onCommand(startRollout(spec(), T0), "promote", T0)),
      onInterval(startRollout(spec(), T0), BAD_SIN, T0 + MIN),
    ];
    for (const s of ended) {
      for (const c of ["promote", "pause", "resume", "abort"] as const) {
        expect(onCommand(s, c, T0 + 2 * MIN)).toEqual({ error: `rollout r1 has ended (${s.state}); it takes no more commands` });
      }
    }
  });
});

describe("config changes and webhooks", () => {
  it("a config change pauses the rollout, keeping its split, and says why", () => {
    const s = onConfigChanged(startRollout(spec(), T0), "version 7 changed route api", T0 + 1_000);
    expect(s).toMatchObject({ state: "paused", weight: 5, reason: "the route's config changed: version 7 changed route api" });
    expect(s.history[0]).toMatchObject({ verdict: "config_changed", decision: "pause" });
    const ended = expectStatus(onCommand(startRollout(spec(), T0), "abort", T0));
    expect(onConfigChanged(ended, "x", T0 + 1)).toBe(ended);
  });

  it("a refused pre-step webhook undoes the advance and holds the step for another interval; the next pass asks again", () => {
    let s = onInterval(startRollout(spec(), T0), GOOD, T0 + MIN);
    expect(s).toMatchObject({ step: 1, weight: 25 });
    s = onWebhookRefused(s, "HTTP 503 from https://hooks.example/pre", T0 + MIN + 200);
    expect(s).toMatchObject({ state: "progressing", step: 0, weight: 5, intervalStartedAt: T0 + MIN + 200 });
    expect(s.reason).toBe("the pre-step webhook refused: HTTP 503 from https://hooks.example/pre");
    expect(s.history[s.history.length - 1]).toMatchObject({ step: 0, weight: 5, verdict: "webhook_refused", decision: "hold" });
    s = onInterval(s, GOOD, T0 + 2 * MIN + 200);
    expect(s).toMatchObject({ step: 1, weight: 25, reason: undefined });
  });

  it("a refusal back into the A/B stage needs one more pass to leave it", () => {
    const ab = spec({ abTest: { header: undefined, cookie: { name: "beta", value: "yes" }, intervals: 1 } });
    let s = onInterval(startRollout(ab, T0), GOOD, T0 + MIN);
    expect(s.step).toBe(0);
    s = onWebhookRefused(s, "timeout", T0 + MIN);
    expect(s).toMatchObject({ step: -1, weight: 0, passes: 0 });
    expect(onInterval(s, GOOD, T0 + 2 * MIN)).toMatchObject({ step: 0, weight: 5 });
  });

  it("with no advance to undo the current step is held", () => {
    const s = onWebhookRefused(startRollout(spec(), T0), "HTTP 409", T0 + 1);
    expect(s).toMatchObject({ step: 0, weight: 5, state: "progressing" });
  });
});

describe("history", () => {
  it(`keeps the last ${HISTORY_LIMIT} entries`, () => {
    let s = startRollout(spec({ analysis: { ...DEFAULT_ANALYSIS, maxInconclusiveIntervals: 1_000 } }), T0);
    for (let i = 1; i <= HISTORY_LIMIT + 5; i++) s = onInterval(s, THIN, T0 + i * MIN);
    expect(s.history).toHaveLength(HISTORY_LIMIT);
    expect(s.history[0]?.at).toBe(T0 + 6 * MIN);
  });
});
