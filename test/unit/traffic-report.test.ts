import { describe, expect, it } from "vitest";
import { MAX_REPORT_ENTRIES } from "../../src/state/ejection-store.ts";
import { MAX_LATENCY_ENTRIES } from "../../src/state/latency-store.ts";
import { LATENCY_KEEP_MS, REPORT_INTERVAL_MS, TrafficReporter } from "../../src/state/traffic-report.ts";
import { LatencyTracker } from "../../src/steering/latency.ts";

import { ejection, T0 } from "./helpers/ejection.ts";

describe("TrafficReporter", () => {
  it("has nothing to send when nothing was counted or ejected", () => {
    const reporter = new TrafficReporter();
    expect(reporter.take("AMS", T0)).toBeUndefined();
    expect(reporter.take("AMS", T0 + 10 * REPORT_INTERVAL_MS)).toBeUndefined();
  });

  it("sends counts on the first take, then not again before the interval", () => {
    const reporter = new TrafficReporter();
    reporter.count("o0", false);
    expect(reporter.take("AMS", T0)).toEqual({ colo: "AMS", ejections: [], counts: [["o0", 1, 0]] });

    reporter.count("o0", true);
    expect(reporter.take("AMS", T0 + 1)).toBeUndefined();
    expect(reporter.take("AMS", T0 + REPORT_INTERVAL_MS - 1)).toBeUndefined();
    expect(reporter.take("AMS", T0 + REPORT_INTERVAL_MS)).toEqual({ colo: "AMS", ejections: [], counts: [["o0", 1, 1]] });
  });

  it("keeps counting while a report is held back", () => {
    const reporter = new TrafficReporter();
    reporter.count("o0", false);
    reporter.take("AMS", T0);
    reporter.count("o0", false);
    expect(reporter.take("AMS", T0 + 5_000)).toBeUndefined();
    reporter.count("o0", true);
    expect(reporter.take("AMS", T0 + REPORT_INTERVAL_MS)?.counts).toEqual([["o0", 2, 1]]);
  });

  it("measures the interval from the last report sent", () => {
    const reporter = new TrafficReporter();
    reporter.count("o0", false);
    reporter.take("AMS", T0);
    // Nothing counted when the interval passes: no report, and the clock does not restart.
    expect(reporter.take("AMS", T0 + REPORT_INTERVAL_MS + 5_000)).toBeUndefined();
    reporter.count("o0", false);
    expect(reporter.take("AMS", T0 + REPORT_INTERVAL_MS + 5_001)?.counts).toEqual([["o0", 1, 0]]);
  });

  it("sends an ejection at once, whatever the interval, with the counts so far", () => {
    const reporter = new TrafficReporter();
    reporter.count("o0", false);
    reporter.take("AMS", T0);

    reporter.count("o1", true);
    const e = ejection("o1", T0 + 100);
    reporter.eject(e);
    expect(reporter.take("AMS", T0 + 100)).toEqual({ colo: "AMS", ejections: [e], counts: [["o1", 1, 1]] });
  });

  it("sends an ejection even when nothing was counted", () => {
    const reporter = new TrafficReporter();
    const e = ejection("o2");
    reporter.eject(e);
    expect(reporter.take("FRA", T0)).toEqual({ colo: "FRA", ejections: [e], counts: [] });
  });

  it("an urgent report restarts the interval for counts", () => {
    const reporter = new TrafficReporter();
    reporter.eject(ejection("o0"));
    reporter.take("AMS", T0);
    reporter.count("o0", false);
    expect(reporter.take("AMS", T0 + REPORT_INTERVAL_MS - 1)).toBeUndefined();
    expect(reporter.take("AMS", T0 + REPORT_INTERVAL_MS)?.counts).toEqual([["o0", 1, 0]]);
  });

  it("take hands over what it returns: a second take has nothing", () => {
    const reporter = new TrafficReporter();
    reporter.count("o0", true);
    reporter.eject(ejection("o0"));
    const first = reporter.take("AMS", T0);
    expect(first?.ejections).toHaveLength(1);
    expect(first?.counts).toHaveLength(1);
    expect(reporter.take("AMS", T0)).toBeUndefined();
    expect(reporter.take("AMS", T0 + 10 * REPORT_INTERVAL_MS)).toBeUndefined();
    // What was handed over is not touched by later activity.
    reporter.count("o0", true);
    reporter.eject(ejection("o1"));
    expect(first?.ejections.map((x) => x.originId)).toEqual(["o0"]);
    expect(first?.counts).toEqual([["o0", 1, 1]]);
  });

  it("aggregates tries and failures per origin", () => {
    const reporter = new TrafficReporter();
    const tries: [string, boolean][] = [
      ["o0", false],
      ["o1", true],
      ["o0", true],
      ["o0", false],
      ["o1", true],
      ["o2", false],
    ];
    for (const [id, failed] of tries) reporter.count(id, failed);
    const report = reporter.take("AMS", T0);
    expect(report?.counts).toEqual([
      ["o0", 3, 1],
      ["o1", 2, 2],
      ["o2", 1, 0],
    ]);
  });

  it("keeps ejections in the order they were queued", () => {
    const reporter = new TrafficReporter();
    reporter.eject(ejection("o2"));
    reporter.eject(ejection("o0"));
    reporter.eject(ejection("o1"));
    expect(reporter.take("AMS", T0)?.ejections.map((e) => e.originId)).toEqual(["o2", "o0", "o1"]);
  });
});

describe("TrafficReporter size bound", () => {
  it("carries at most MAX_REPORT_ENTRIES origins and ejections, however many there are", () => {
    const reporter = new TrafficReporter();
    for (let i = 0; i < MAX_REPORT_ENTRIES + 50; i++) {
      reporter.count(`o${i}`, false);
      reporter.eject(ejection(`o${i}`, T0 + i));
    }
    const report = reporter.take("AMS", T0);
    expect(report?.counts.length).toBe(MAX_REPORT_ENTRIES);
    expect(report?.ejections.length).toBe(MAX_REPORT_ENTRIES);
    // The newest ejections are the ones kept.
    expect(report?.ejections.at(-1)?.originId).toBe(`o${MAX_REPORT_ENTRIES + 49}`);
    expect(report?.ejections[0]?.originId).toBe("o50");
  });
});

describe("TrafficReporter latency", () => {
  const source = (colo: string, tracker: LatencyTracker) => ({ peek: (c: string) => (c === colo ? tracker : undefined) });

  it("carries the colo's measured estimates in the same report as the counts, once per interval", () => {
    const tracker = new LatencyTracker();
    tracker.observe("o0", 40, true, T0 - 100);
    tracker.seed("o1", 70, T0 - 100); // seeded from the object: not echoed back
    const reporter = new TrafficReporter();
    reporter.count("o0", false);
    expect(reporter.take("AMS", T0, source("AMS", tracker))).toEqual({
      colo: "AMS",
      ejections: [],
      counts: [["o0", 1, 0]],
      latency: [["o0", 40, T0 - 100]],
    });
    // No estimate of another colo's tracker goes in this colo's report.
    reporter.count("o0", false);
    expect(reporter.take("AMS", T0 + REPORT_INTERVAL_MS, source("SIN", tracker))?.latency).toBeUndefined();
  });

  it("sends only estimates sampled since the last report", () => {
    const tracker = new LatencyTracker();
    const reporter = new TrafficReporter();
    tracker.observe("o0", 40, true, T0 - 1);
    reporter.count("o0", false);
    reporter.take("AMS", T0, source("AMS", tracker));
    tracker.observe("o1", 55, true, T0 + 5_000);
    reporter.count("o1", false);
    expect(reporter.take("AMS", T0 + REPORT_INTERVAL_MS, source("AMS", tracker))?.latency).toEqual([["o1", 55, T0 + 5_000]]);
  });

  it("an ejection's report carries the latency too, and nothing is sent twice after it", () => {
    const tracker = new LatencyTracker();
    const reporter = new TrafficReporter();
    tracker.observe("o0", 40, true, T0 - 1);
    reporter.eject(ejection("o0"));
    expect(reporter.take("AMS", T0, source("AMS", tracker))?.latency).toEqual([["o0", 40, T0 - 1]]);
    reporter.count("o0", false);
    expect(reporter.take("AMS", T0 + REPORT_INTERVAL_MS, source("AMS", tracker))?.latency).toBeUndefined();
  });

  it("drops estimates that have decayed to nothing and carries at most MAX_LATENCY_ENTRIES", () => {
    const tracker = new LatencyTracker();
    for (let i = 0; i < MAX_LATENCY_ENTRIES + 10; i++) tracker.observe(`o${i}`, 10, true, T0);
    tracker.observe("old", 10, true, T0 - LATENCY_KEEP_MS - 1);
    const reporter = new TrafficReporter();
    reporter.count("o0", false);
    const latency = reporter.take("AMS", T0, source("AMS", tracker))?.latency ?? [];
    expect(latency).toHaveLength(MAX_LATENCY_ENTRIES);
    expect(latency.some(([key]) => key === "old")).toBe(false);
    expect(tracker.get("old")).toBeUndefined();
  });
});
