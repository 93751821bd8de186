/**
 * Load reports through the Durable Object: isolates pass their origins' load on by colo;
 * a colo's snapshot carries its view, with the newest any colo has for the origins it has
 * not heard from; bad entries are skipped; the store stays bounded.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import type { OriginState } from "../../src/state/origin-state.ts";
import { LOAD_MAX_AGE_MS, MAX_LOAD_ENTRIES } from "../../src/state/load-store.ts";
import type { OriginLoad } from "../../src/steering/load-weights.ts";

let unique = 0;
const freshStub = (): DurableObjectStub<OriginState> => env.ORIGIN_STATE.get(env.ORIGIN_STATE.idFromName(`load-${Date.now()}-${unique++}`));

const load = (cpu: number, at: number, since = at - 5_000): OriginLoad => ({
  report: { cpuUtilization: cpu, memUtilization: 0.5, applicationUtilization: 0, rpsFractional: 10, eps: 0 },
  at,
  since,
});

describe("OriginState load reports", () => {
  it("keeps each colo's view, falls back to the newest any colo has, and lets the newer report win", async ({ expect }) => {
    const stub = freshStub();
    const now = Date.now();
    await stub.reportLoad("FRA", [
      ["a", load(0.2, now - 2_000)],
      ["b", load(0.4, now - 2_000)],
    ]);
    await stub.reportLoad("SIN", [["a", load(0.9, now - 1_000)]]);
    // An older report from FRA's other isolate does not replace the newer one.
    await stub.reportLoad("FRA", [["a", load(0.7, now - 3_000, now - 60_000)]]);
    const fra = (await stub.snapshot("FRA")).load ?? {};
    expect(fra.a?.report.cpuUtilization).toBe(0.2);
    // …but the two runs of reports touch, so the blackout runs from the earlier start.
    expect(fra.a?.since).toBe(now - 60_000);
    expect(fra.b?.report.cpuUtilization).toBe(0.4);
    const lhr = (await stub.snapshot("LHR")).load ?? {};
    // LHR has heard nothing: the newest report any colo has.
    expect(lhr.a?.report.cpuUtilization).toBe(0.9);
    expect(lhr.b?.report.cpuUtilization).toBe(0.4);
    expect((await stub.snapshot()).load).toBeUndefined();
    expect((await stub.details()).a).toBeUndefined();
  });

  it("skips entries that do not parse or are out of range, and clamps a report from the future to now", async ({ expect }) => {
    const stub = freshStub();
    const now = Date.now();
    await stub.reportLoad("FRA", [
      ["nan", { ...load(0.2, now), report: { ...load(0.2, now).report, cpuUtilization: Number.NaN } }],
      ["neg", load(-1, now)],
      ["mem", { ...load(0.2, now), report: { ...load(0.2, now).report, memUtilization: 2 } }],
      ["junk", "TEXT cpu_utilization=0.2"],
      ["old", load(0.2, now - LOAD_MAX_AGE_MS - 60_000)],
      ["future", load(0.3, now + 3_600_000, now + 3_600_000)],
    ]);
    const view = (await stub.snapshot("FRA")).load ?? {};
    expect(Object.keys(view)).toEqual(["future"]);
    expect(view.future?.at).toBeLessThanOrEqual(Date.now());
    expect(view.future?.since).toBeLessThanOrEqual(view.future?.at ?? 0);
  });

  it("reads at most MAX_LOAD_ENTRIES entries of one report, and forgets origins no longer configured", async ({ expect }) => {
    const stub = freshStub();
    const now = Date.now();
    const entries = Array.from({ length: MAX_LOAD_ENTRIES + 50 }, (_, i) => [`o${i}`, load(0.5, now)] as const);
    await stub.reportLoad("FRA", entries);
    expect(Object.keys((await stub.snapshot("FRA")).load ?? {})).toHaveLength(MAX_LOAD_ENTRIES);
    await stub.recordProbes({ results: [], thresholds: {}, origins: ["o1"] });
    expect(Object.keys((await stub.snapshot("FRA")).load ?? {})).toEqual(["o1"]);
    const rows = await runInDurableObject(
      stub,
      (_instance, state) => state.storage.sql.exec("SELECT COUNT(*) AS n FROM colo_load").one().n,
    );
    // FRA's row and the every-colo row.
    expect(rows).toBe(2);
  });
});
