/**
 * Tries in flight and their usual level (src/steering/outstanding.ts): what latency
 * steering's pile-up is measured against.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { OutstandingTracker, USUAL_DISPATCHES } from "../../src/steering/outstanding.ts";

describe("OutstandingTracker", () => {
  it("counts tries in flight per key, never below 0", () => {
    const t = new OutstandingTracker();
    t.start(["o0", "pool:p"]);
    t.start(["o0", "pool:p"]);
    t.finish(["o0", "pool:p"]);
    expect(t.get("o0")).toBe(1);
    expect(t.get("pool:p")).toBe(1);
    t.finish(["o0"]);
    t.finish(["o0"]);
    expect(t.get("o0")).toBe(0);
    expect(t.get("never")).toBe(0);
    expect(t.usual("never")).toBe(0);
  });

  it("the usual count is the EWMA of the count in flight at dispatch: a steady k in flight makes it k", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), (k) => {
        const t = new OutstandingTracker();
        // k + 1 in flight, then for every answer one new dispatch: each of those sees k in flight.
        for (let i = 0; i <= k; i++) t.start(["o"]);
        for (let i = 0; i < 20 * USUAL_DISPATCHES; i++) {
          t.finish(["o"]);
          t.start(["o"]);
        }
        expect(t.get("o")).toBe(k + 1);
        expect(Math.abs(t.usual("o") - k)).toBeLessThan(0.01);
      }),
    );
  });

  it("keeps the usual count while nothing is in flight, and moves it by 1/USUAL_DISPATCHES of the surprise per dispatch", () => {
    const t = new OutstandingTracker();
    // Dispatches that see 0, 1 and 2 in flight: the first makes the key (usual 0), then two steps.
    for (let i = 0; i < 3; i++) t.start(["o"]);
    const step1 = (1 - 0) / USUAL_DISPATCHES;
    const step2 = step1 + (2 - step1) / USUAL_DISPATCHES;
    expect(t.usual("o")).toBeCloseTo(step2, 12);
    for (let i = 0; i < 3; i++) t.finish(["o"]);
    expect(t.get("o")).toBe(0);
    expect(t.usual("o")).toBeCloseTo(step2, 12);
    t.start(["o"]);
    expect(t.usual("o")).toBeCloseTo(step2 - step2 / USUAL_DISPATCHES, 12);
  });
});
