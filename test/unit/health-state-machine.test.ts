import { describe, expect, it } from "vitest";
import { expectedCodesMatcher } from "../../src/health/expected-codes.ts";
import { applyProbe, initialHealth } from "../../src/health/state-machine.ts";
import type { OriginHealth, Thresholds, Transition } from "../../src/health/state-machine.ts";

const THRESHOLDS: Thresholds = { unhealthyThreshold: 3, healthyThreshold: 2 };

/** Feeds probe results ("ok"/"fail") one second apart from `start`; returns every state and transition. */
function run(
  results: readonly ("ok" | "fail")[],
  thresholds: Thresholds = THRESHOLDS,
  start: OriginHealth = initialHealth(1_000),
): { states: OriginHealth[]; transitions: Transition[] } {
  let state = start;
  const states: OriginHealth[] = [];
  const transitions: Transition[] = [];
  results.forEach((r, i) => {
    const at = 2_000 + i * 1_000;
    const out = applyProbe(state, { ok: r === "ok", at, reason: r === "ok" ? "HTTP 200" : "HTTP 503 (expected 2xx)" }, thresholds);
    state = out.state;
    states.push(state);
    if (out.transition !== undefined) transitions.push(out.transition);
  });
  return { states, transitions };
}

const healthyFlags = (states: readonly OriginHealth[]): boolean[] => states.map((s) => s.healthy);

describe("initial state", () => {
  it("starts healthy (fail open), unprobed, stamped with the given time", () => {
    const state = initialHealth(12_345);
    expect(state).toEqual({ healthy: true, consecutiveSuccesses: 0, consecutiveFailures: 0, since: 12_345, reason: "not probed yet" });
  });
});

describe("turning unhealthy", () => {
  it("only after N consecutive failures", () => {
    const { states, transitions } = run(["fail", "fail", "fail", "fail"]);
    expect(healthyFlags(states)).toEqual([true, true, false, false]);
    expect(transitions).toHaveLength(1);
  });

  it("a success in between resets the count", () => {
    const { states, transitions } = run(["fail", "fail", "ok", "fail", "fail", "ok", "fail", "fail"]);
    expect(healthyFlags(states).every(Boolean)).toBe(true);
    expect(transitions).toEqual([]);
    expect(states.at(-1)?.consecutiveFailures).toBe(2);
  });

  it("a threshold of 1 turns on the first failure", () => {
    const { states } = run(["fail"], { unhealthyThreshold: 1, healthyThreshold: 1 });
    expect(healthyFlags(states)).toEqual([false]);
  });
});

describe("turning healthy again", () => {
  it("only after M consecutive successes", () => {
    const { states } = run(["fail", "fail", "fail", "ok", "ok", "ok"]);
    expect(healthyFlags(states)).toEqual([true, true, false, false, true, true]);
  });

  it("a failure in between resets the count", () => {
    const { states, transitions } = run(["fail", "fail", "fail", "ok", "fail", "ok", "fail", "ok", "ok"]);
    expect(healthyFlags(states)).toEqual([true, true, false, false, false, false, false, false, true]);
    expect(transitions.map((t) => t.to)).toEqual(["unhealthy", "healthy"]);
  });

  it("successes while healthy cause no transition", () => {
    const { transitions, states } = run(["ok", "ok", "ok", "ok"]);
    expect(transitions).toEqual([]);
    expect(states.at(-1)?.consecutiveSuccesses).toBe(4);
    expect(states.at(-1)?.since).toBe(1_000);
  });
});

describe("transitions", () => {
  it("carry from, to, time and reason, and stamp the state", () => {
    const { states, transitions } = run(["fail", "fail", "fail", "ok", "ok"]);
    expect(transitions).toHaveLength(2);
    const [down, up] = transitions;
    expect(down).toMatchObject({ from: "healthy", to: "unhealthy", at: 4_000 });
    expect(down?.reason).toContain("3 consecutive");
    expect(down?.reason).toContain("HTTP 503 (expected 2xx)");
    expect(up).toMatchObject({ from: "unhealthy", to: "healthy", at: 6_000 });
    expect(up?.reason).toContain("2 consecutive");
    expect(up?.reason).toContain("HTTP 200");
    expect(states[2]?.since).toBe(4_000);
    expect(states[2]?.reason).toBe(down?.reason);
    expect(states[3]?.since).toBe(4_000);
    expect(states[4]?.since).toBe(6_000);
    expect(states[4]?.reason).toBe(up?.reason);
  });

  it("does not mutate the state it is given", () => {
    const start = initialHealth(0);
    const copy = { ...start };
    applyProbe(start, { ok: false, at: 1, reason: "x" }, { unhealthyThreshold: 1, healthyThreshold: 1 });
    expect(start).toEqual(copy);
  });
});

describe("expectedCodesMatcher", () => {
  const matches = (pattern: string, statuses: readonly number[]): number[] => statuses.filter(expectedCodesMatcher(pattern));
  const ALL = [100, 199, 200, 204, 250, 299, 300, 301, 302, 399, 404, 418, 500, 503];

  it('"2xx" matches the 2xx class only', () => {
    expect(matches("2xx", ALL)).toEqual([200, 204, 250, 299]);
  });

  it('"200,204" matches those codes only', () => {
    expect(matches("200,204", ALL)).toEqual([200, 204]);
  });

  it('"2xx,301" mixes a class and a code', () => {
    expect(matches("2xx,301", ALL)).toEqual([200, 204, 250, 299, 301]);
  });

  it('"404" matches exactly 404', () => {
    expect(matches("404", ALL)).toEqual([404]);
  });

  it("tolerates spaces around the commas", () => {
    expect(matches(" 200 , 3xx ", ALL)).toEqual([200, 300, 301, 302, 399]);
  });
});

describe("the reason between transitions", () => {
  it("says how far a steady origin is from changing state, and never keeps 'not probed yet' after a probe", () => {
    const { states } = run(["ok", "fail", "fail", "fail", "ok"]);
    expect(states.map((s) => s.reason.replace(/ \(.*$/, ""))).toEqual([
      "probe passed",
      "probe failed, 1 of 3 before unhealthy",
      "probe failed, 2 of 3 before unhealthy",
      "3 consecutive probe(s) failed",
      "probe passed, 1 of 2 before healthy",
    ]);
    // `since` moves only on a transition.
    expect(states[1]?.since).toBe(states[0]?.since);
    expect(states[4]?.since).toBe(states[3]?.since);
  });
});
