/**
 * The colo aggregator's merge rules (src/state/report-merge.ts) and when it writes
 * (src/state/report-batcher.ts): counts add up, the newest latency sample wins per key as
 * in the object, ejections are kept and go at once, one report per colo, bounded sizes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TrafficReport } from "../../src/state/ejection-store.ts";
import { MAX_REPORT_ENTRIES } from "../../src/state/ejection-store.ts";
import { MAX_LATENCY_ENTRIES } from "../../src/state/latency-store.ts";
import { AGGREGATE_INTERVAL_MS, NEW_VOTER_MS, ReportBatcher } from "../../src/state/report-batcher.ts";
import { mergeReports, PendingReport } from "../../src/state/report-merge.ts";

import { ejection, T0 } from "./helpers/ejection.ts";

const report = (colo: string, parts: Partial<Omit<TrafficReport, "colo">> = {}): TrafficReport => ({
  colo,
  ejections: [],
  counts: [],
  ...parts,
});

describe("mergeReports", () => {
  it("adds two isolates' counts per origin", () => {
    const merged = mergeReports(
      [
        report("FRA", {
          counts: [
            ["a", 10, 1],
            ["b", 4, 0],
          ],
        }),
        report("FRA", {
          counts: [
            ["a", 5, 2],
            ["c", 1, 1],
          ],
        }),
      ],
      T0,
    );
    expect(merged).toEqual([
      {
        colo: "FRA",
        ejections: [],
        counts: [
          ["a", 15, 3],
          ["b", 4, 0],
          ["c", 1, 1],
        ],
      },
    ]);
  });

  it("keeps the most recently sampled latency estimate per key, whatever the order", () => {
    const older = report("FRA", {
      latency: [
        ["a", 90, T0 + 100],
        ["pool:p", 40, T0 + 500],
      ],
    });
    const newer = report("FRA", {
      latency: [
        ["a", 20, T0 + 300],
        ["pool:p", 99, T0 + 200],
      ],
    });
    for (const order of [
      [older, newer],
      [newer, older],
    ]) {
      expect(mergeReports(order, T0 + 1_000)[0]?.latency).toEqual(
        expect.arrayContaining([
          ["a", 20, T0 + 300],
          ["pool:p", 40, T0 + 500],
        ]),
      );
    }
  });

  it("stamps an estimate without a sample time, or one in the future, with now (as the object does)", () => {
    const merged = mergeReports(
      [
        report("FRA", {
          latency: [
            ["legacy", 7],
            ["skewed", 8, T0 + 60_000],
          ],
        }),
      ],
      T0,
    );
    expect(merged[0]?.latency).toEqual([
      ["legacy", 7, T0],
      ["skewed", 8, T0],
    ]);
  });

  it("never mixes colos: one report per colo, each with its own counts and ejections", () => {
    const merged = mergeReports(
      [
        report("FRA", { counts: [["a", 3, 3]], ejections: [ejection("a")] }),
        report("SIN", { counts: [["a", 10, 0]] }),
        report("FRA", { counts: [["a", 1, 1]] }),
      ],
      T0,
    );
    expect(merged.map((r) => [r.colo, r.counts, r.ejections.map((e) => e.originId)])).toEqual([
      ["FRA", [["a", 4, 4]], ["a"]],
      ["SIN", [["a", 10, 0]], []],
    ]);
  });

  it("skips entries the object would skip, so they cannot spoil a sum", () => {
    const merged = mergeReports(
      [
        report("FRA", {
          counts: [
            ["a", 0, 0],
            ["a", 2, -1],
            ["a", Number.NaN, 0],
            ["a", 3, 5],
          ],
          latency: [
            ["a", -1, T0],
            ["a", Number.POSITIVE_INFINITY, T0],
          ],
        }),
      ],
      T0,
    );
    // Failures never exceed tries; the bad latency entries leave nothing.
    expect(merged).toEqual([{ colo: "FRA", ejections: [], counts: [["a", 3, 3]] }]);
  });

  it("leaves out a colo whose reports carried nothing", () => {
    expect(mergeReports([report("FRA"), report("FRA", { counts: [["a", 0, 0]] })], T0)).toEqual([]);
  });

  it("matches the sum and the newest sample over any reports (property)", () => {
    const entry = fc.tuple(
      fc.constantFrom("a", "b", "c", "pool:p"),
      fc.integer({ min: 1, max: 1_000 }),
      fc.integer({ min: 0, max: 1_000 }),
    );
    const lat = fc.tuple(fc.constantFrom("a", "b", "pool:p"), fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 10_000 }));
    const reportArb = fc.record({ counts: fc.array(entry, { maxLength: 6 }), latency: fc.array(lat, { maxLength: 6 }) });
    fc.assert(
      fc.property(fc.array(reportArb, { minLength: 1, maxLength: 8 }), (parts) => {
        const reports = parts.map((p) =>
          report("FRA", {
            counts: p.counts.map(([id, tries, failures]) => [id, tries, Math.min(failures, tries)] as const),
            latency: p.latency.map(([k, ms, at]) => [k, ms, T0 + at] as const),
          }),
        );
        const [merged] = mergeReports(reports, T0 + 20_000);
        // Counts: what the object would add up report by report.
        const sums = new Map<string, [number, number]>();
        for (const r of reports)
          for (const [id, t, f] of r.counts) {
            const s = sums.get(id) ?? [0, 0];
            sums.set(id, [s[0] + t, s[1] + f]);
          }
        expect(new Map(merged?.counts.map(([id, t, f]) => [id, [t, f]]))).toEqual(sums);
        // Latency: per key the first report of the newest sample time, as the object's `updated_at >` keeps.
        const newest = new Map<string, [number, number]>();
        for (const r of reports)
          for (const [k, ms, at = 0] of r.latency ?? []) {
            const held = newest.get(k);
            if (held === undefined || at > held[1]) newest.set(k, [ms, at]);
          }
        expect(new Map((merged?.latency ?? []).map(([k, ms, at]) => [k, [ms, at]]))).toEqual(newest);
      }),
    );
  });
});

describe("mergeReports load", () => {
  const load = (cpu: number, at: number, since = at) => ({
    report: { cpuUtilization: cpu, memUtilization: 0, applicationUtilization: 0, rpsFractional: 10, eps: 0 },
    at,
    since,
  });

  it("keeps the newest report per origin, its blackout from the earliest start of runs that touch, and skips what does not parse", () => {
    const merged = mergeReports(
      [
        report("FRA", { load: [["a", load(0.2, T0 + 5_000, T0)]] }),
        report("FRA", {
          load: [
            ["a", load(0.9, T0 + 2_000, T0 - 20_000)],
            ["b", { report: "not a load report" }],
          ],
        }),
        report("FRA", { load: [["b", load(0.5, T0)]] }),
      ],
      T0 + 10_000,
    );
    expect(merged[0]?.load).toEqual([
      ["a", load(0.2, T0 + 5_000, T0 - 20_000)],
      ["b", load(0.5, T0)],
    ]);
  });
});

describe("PendingReport size bound", () => {
  it("holds at most MAX_REPORT_ENTRIES origins and ejections and MAX_LATENCY_ENTRIES keys, however many reports come", () => {
    const pending = new PendingReport("FRA");
    for (let n = 0; n < 3; n++) {
      const ids = Array.from({ length: MAX_REPORT_ENTRIES }, (_, i) => `o${n}-${i}`);
      pending.add(
        report("FRA", {
          counts: ids.map((id) => [id, 1, 0] as const),
          ejections: ids.map((id) => ejection(id)),
          latency: Array.from({ length: MAX_LATENCY_ENTRIES }, (_, i) => [`k${n}-${i}`, 1, T0] as const),
        }),
        T0,
      );
    }
    const merged = pending.report();
    expect(merged.counts).toHaveLength(MAX_REPORT_ENTRIES);
    expect(merged.ejections).toHaveLength(MAX_REPORT_ENTRIES);
    expect(merged.latency).toHaveLength(MAX_LATENCY_ENTRIES);
    // Ejections: the newest are the ones kept.
    expect(merged.ejections.at(-1)?.originId).toBe(`o2-${MAX_REPORT_ENTRIES - 1}`);
    // Counts of origins already held still add up past the bound.
    pending.add(report("FRA", { counts: [["o0-0", 5, 5]] }), T0);
    expect(pending.report().counts[0]).toEqual(["o0-0", 6, 5]);
  });
});

/** A batcher that has just written traffic of these origins for FRA (so their traffic is no news to the quorum). */
function warmBatcher(ids: readonly string[] = ["a", "b"], colo = "FRA"): ReportBatcher {
  const batcher = new ReportBatcher(T0);
  batcher.offer(report(colo, { counts: ids.map((id) => [id, 1, 0] as const) }), T0);
  return batcher;
}

describe("ReportBatcher", () => {
  it("holds reports without news until the interval has passed, then writes them merged with the one that found it due", () => {
    const batcher = warmBatcher();
    expect(batcher.offer(report("FRA", { counts: [["a", 10, 0]] }), T0 + 1)).toBeUndefined();
    expect(batcher.offer(report("FRA", { counts: [["a", 5, 1]] }), T0 + 2)).toBeUndefined();
    expect(batcher.holding).toBe(true);
    expect(batcher.dueAt).toBe(T0 + AGGREGATE_INTERVAL_MS);
    const release = batcher.offer(report("FRA", { counts: [["a", 1, 1]] }), T0 + AGGREGATE_INTERVAL_MS);
    expect(release?.send).toEqual([{ colo: "FRA", ejections: [], counts: [["a", 16, 2]] }]);
    expect(batcher.holding).toBe(false);
    // The interval restarts from that write.
    expect(batcher.offer(report("FRA", { counts: [["a", 1, 0]] }), T0 + AGGREGATE_INTERVAL_MS + 1)).toBeUndefined();
    expect(batcher.dueAt).toBe(T0 + 2 * AGGREGATE_INTERVAL_MS);
  });

  it("writes at once traffic to an origin it has not written for NEW_VOTER_MS: the colo becomes a voter as soon as with direct reports", () => {
    const batcher = new ReportBatcher(T0);
    // A new aggregator's first traffic of an origin, and a new origin later on.
    expect(batcher.offer(report("FRA", { counts: [["a", 1, 0]] }), T0 + 1)?.send).toHaveLength(1);
    expect(batcher.offer(report("FRA", { counts: [["a", 1, 0]] }), T0 + 2)).toBeUndefined();
    expect(batcher.offer(report("FRA", { counts: [["c", 1, 0]] }), T0 + 3)?.send).toEqual([
      {
        colo: "FRA",
        ejections: [],
        counts: [
          ["a", 1, 0],
          ["c", 1, 0],
        ],
      },
    ]);
    // Traffic that resumes after a pause longer than NEW_VOTER_MS is news again.
    const later = T0 + 3 + NEW_VOTER_MS;
    expect(batcher.offer(report("FRA", { counts: [["c", 1, 0]] }), later)?.send).toHaveLength(1);
    // Steady traffic (one report a second for two minutes) is written once per interval, never sooner.
    const steady = warmBatcher(["a"]);
    const writes: number[] = [];
    for (let t = T0 + 1_000; t < T0 + 6 * NEW_VOTER_MS; t += 1_000)
      if (steady.offer(report("FRA", { counts: [["a", 1, 0]] }), t) !== undefined) writes.push(t - T0);
    expect(writes).toEqual(Array.from({ length: 11 }, (_, i) => (i + 1) * AGGREGATE_INTERVAL_MS));
  });

  it("writes a report with an ejection at once, with everything held so far", () => {
    const batcher = warmBatcher();
    batcher.offer(report("FRA", { counts: [["b", 10, 0]] }), T0 + 1);
    const e = ejection("a", T0 + 2);
    const release = batcher.offer(report("FRA", { counts: [["a", 3, 3]], ejections: [e] }), T0 + 2);
    expect(release?.send).toEqual([
      {
        colo: "FRA",
        ejections: [e],
        counts: [
          ["b", 10, 0],
          ["a", 3, 3],
        ],
      },
    ]);
    expect(release?.held).toEqual([{ colo: "FRA", ejections: [], counts: [["b", 10, 0]] }]);
    expect(batcher.holding).toBe(false);
  });

  it("writes a colo's first ejection of an origin at once and holds the others' for the interval: one write per colo in a failover", () => {
    const batcher = warmBatcher();
    const first = ejection("a", T0 + 1_000);
    expect(batcher.offer(report("FRA", { ejections: [first] }), T0 + 1_000)?.send[0]?.ejections).toEqual([first]);
    // The colo's other isolates eject it too, moments later: the object already holds FRA's ejection.
    const second = ejection("a", T0 + 1_500);
    expect(batcher.offer(report("FRA", { ejections: [second] }), T0 + 1_500)).toBeUndefined();
    // The held one goes with the next write (its later `until` extends FRA's ejection)…
    expect(batcher.release(T0 + 1_000 + AGGREGATE_INTERVAL_MS)[0]?.ejections).toEqual([second]);
    // …and another origin's ejection, or the same origin's in another colo, is news.
    const b = ejection("b", T0 + 12_000);
    expect(batcher.offer(report("FRA", { ejections: [b] }), T0 + 12_000)?.send[0]?.ejections).toEqual([b]);
    expect(batcher.offer(report("SIN", { ejections: [ejection("a", T0 + 12_000)] }), T0 + 12_000)).toBeDefined();
  });

  it("treats an ejection as news when the one the object holds ends before the next write, or has been ended there", () => {
    const batcher = warmBatcher();
    const short = { ...ejection("a", T0), until: T0 + 5_000 };
    batcher.offer(report("FRA", { ejections: [short] }), T0);
    // FRA's ejection ends at T0 + 5 s, before the next write: a longer one is news.
    expect(batcher.offer(report("FRA", { ejections: [ejection("a", T0 + 1_000)] }), T0 + 1_000)).toBeDefined();
    // Now held until T0 + 31 s: the same again is not news…
    expect(batcher.offer(report("FRA", { ejections: [ejection("a", T0 + 1_100)] }), T0 + 1_100)).toBeUndefined();
    // …until the object's answer shows the ejection ended (a passing probe, a release).
    batcher.learn("FRA", [], T0 + 1_200);
    expect(batcher.offer(report("FRA", { ejections: [ejection("a", T0 + 1_300)] }), T0 + 1_300)).toBeDefined();
    batcher.learn("FRA", [{ originId: "a", until: T0 + 60_000 }], T0 + 1_400);
    expect(batcher.offer(report("FRA", { ejections: [ejection("a", T0 + 1_500)] }), T0 + 1_500)).toBeUndefined();
  });

  it("after a failed write holds again only what it held before, not the report that failed (its sender sends it itself)", () => {
    const batcher = warmBatcher();
    batcher.offer(report("FRA", { counts: [["b", 10, 0]] }), T0 + 1);
    const release = batcher.offer(report("FRA", { counts: [["a", 3, 3]], ejections: [ejection("a")] }), T0 + 2);
    batcher.restore(release?.held ?? [], T0 + 3);
    batcher.offer(report("FRA", { counts: [["b", 1, 0]] }), T0 + 4);
    expect(batcher.release(T0 + 5)).toEqual([{ colo: "FRA", ejections: [], counts: [["b", 11, 0]] }]);
  });

  it("release (the alarm) writes what is held, one report per colo, and restarts the interval", () => {
    const batcher = warmBatcher(["a"]);
    batcher.offer(report("GRU", { counts: [["a", 5, 0]] }), T0);
    batcher.offer(report("FRA", { counts: [["a", 1, 0]] }), T0 + 1);
    batcher.offer(report("GRU", { counts: [["a", 2, 0]] }), T0 + 1);
    expect(batcher.release(T0 + 100)).toEqual([
      { colo: "FRA", ejections: [], counts: [["a", 1, 0]] },
      { colo: "GRU", ejections: [], counts: [["a", 2, 0]] },
    ]);
    expect(batcher.holding).toBe(false);
    expect(batcher.release(T0 + 200)).toEqual([]);
    expect(batcher.dueAt).toBe(T0 + 200 + AGGREGATE_INTERVAL_MS);
  });
});
