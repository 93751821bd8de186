/**
 * Outlier detection per colo (health/colo-outliers.ts, health/colo-map.ts): a colo's
 * ejection stays in that colo's detector; a snapshot hands each colo its own colo's
 * ejections and the global verdicts, never another colo's; a detector made later catches
 * up with the snapshot; the per-isolate map is bounded.
 */
import { describe, expect, it } from "vitest";
import { OutlierDetectionSchema } from "../../src/config/schema.ts";
import { ColoMap } from "../../src/health/colo-map.ts";
import { ColoOutliers } from "../../src/health/colo-outliers.ts";
import type { Ejection, OutlierPool } from "../../src/health/outlier.ts";
import type { HealthSnapshot } from "../../src/health/snapshot.ts";

const NOW = 5_000_000;
const pool: OutlierPool = { id: "p", originIds: ["a", "b", "c"], settings: OutlierDetectionSchema.parse({}) };

function ejection(originId: string, reason = "3 consecutive gateway failures"): Ejection {
  return { originId, poolId: "p", kind: "consecutive-gateway-failure", at: NOW - 1_000, until: NOW + 30_000, count: 1, reason };
}

function snapshot(parts: Partial<HealthSnapshot>): HealthSnapshot {
  return { generatedAt: NOW, origins: {}, ...parts };
}

describe("ColoOutliers", () => {
  it("an origin failing for FRA's traffic is ejected in FRA only", () => {
    const outliers = new ColoOutliers();
    const fra = outliers.forColo("FRA", NOW);
    const sin = outliers.forColo("SIN", NOW);
    for (let i = 0; i < 3; i++) fra.observe("a", pool, "gateway-failure", NOW);
    expect(fra.isEjected("a", NOW)).toBe(true);
    expect(sin.isEjected("a", NOW)).toBe(false);
    expect(outliers.ejections(NOW).map((e) => [e.colo, e.ejection.originId])).toEqual([["FRA", "a"]]);
  });

  it("a snapshot brings each colo its own colo's ejections and the global verdicts, not other colos'", () => {
    const outliers = new ColoOutliers();
    const fra = outliers.forColo("FRA", NOW);
    const sin = outliers.forColo("SIN", NOW);
    outliers.sync(
      snapshot({
        origins: { b: { healthy: true, since: 0, reason: "ok", ejection: ejection("b", "ejected everywhere") } },
        coloEjections: { FRA: [ejection("a")], IAD: [ejection("c")] },
      }),
      NOW,
    );
    expect(["a", "b", "c"].filter((id) => fra.isEjected(id, NOW))).toEqual(["a", "b"]);
    expect(["a", "b", "c"].filter((id) => sin.isEjected(id, NOW))).toEqual(["b"]);
  });

  it("a colo seen after the snapshot arrived takes in the global verdicts at once", () => {
    const outliers = new ColoOutliers();
    outliers.forColo("FRA", NOW);
    outliers.sync(
      snapshot({
        origins: { b: { healthy: true, since: 0, reason: "ok", ejection: ejection("b") } },
        coloEjections: { FRA: [ejection("a")] },
      }),
      NOW,
    );
    const gru = outliers.forColo("GRU", NOW);
    expect(gru.isEjected("b", NOW)).toBe(true);
    expect(gru.isEjected("a", NOW)).toBe(false);
  });

  it("a probe that passed after the ejection began ends it in every colo", () => {
    const outliers = new ColoOutliers();
    const fra = outliers.forColo("FRA", NOW);
    for (let i = 0; i < 3; i++) fra.observe("a", pool, "gateway-failure", NOW);
    outliers.sync(
      snapshot({ origins: { a: { healthy: true, since: 0, reason: "ok", lastProbeAt: NOW + 1, lastProbeOk: true } } }),
      NOW + 2,
    );
    expect(fra.isEjected("a", NOW + 2)).toBe(false);
  });

  it("release ends an origin's ejection in every colo", () => {
    const outliers = new ColoOutliers();
    for (const colo of ["FRA", "SIN"]) {
      const d = outliers.forColo(colo, NOW);
      for (let i = 0; i < 3; i++) d.observe("a", pool, "gateway-failure", NOW);
    }
    expect(outliers.release("a", NOW)).toBe(true);
    expect(outliers.ejections(NOW)).toEqual([]);
  });
});

describe("ColoMap", () => {
  it("makes one entry per colo and forgets the least recently used one past its bound", () => {
    const made: string[] = [];
    const map = new ColoMap((colo) => {
      made.push(colo);
      return { colo };
    }, 2);
    const fra = map.get("FRA");
    expect(map.get("FRA")).toBe(fra);
    map.get("SIN");
    map.get("FRA");
    map.get("IAD");
    expect(map.colos()).toEqual(["FRA", "IAD"]);
    expect(map.peek("SIN")).toBeUndefined();
    expect(made).toEqual(["FRA", "SIN", "IAD"]);
  });
});
