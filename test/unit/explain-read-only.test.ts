/**
 * `/explain` (src/steering/explain/): explaining leaves live state alone — the live detector
 * keeps its ejections and no rotation carries over between calls.
 */
import { describe, expect, it } from "vitest";
import { OutlierDetector } from "../../src/health/outlier.ts";
import type { HealthSnapshot } from "../../src/health/snapshot.ts";
import { compile, poolOf, singlePool } from "./helpers/configs.ts";
import { ejection, NOW, origin, pool, run } from "./helpers/explain.ts";

describe("explaining leaves live state alone", () => {
  it("the live detector keeps its ejection even when the snapshot would return it", async () => {
    const config = compile(singlePool({ origins: 2 }));
    const live = new OutlierDetector();
    live.adopt(ejection("o0", "p"), NOW, poolOf(config, "p").source.outlierDetection);
    const epoch = live.epoch;
    const snapshot: HealthSnapshot = {
      generatedAt: NOW - 500,
      origins: { o0: { healthy: true, since: 0, reason: "HTTP 200", lastProbeAt: NOW - 100, lastProbeOk: true } },
    };
    const e = await run(config, { snapshot, ejections: live.ejections(NOW) });
    expect(origin(pool(e, "p"), "o0").ejection).toBeNull();
    expect(live.isEjected("o0", NOW)).toBe(true);
    expect(live.epoch).toBe(epoch);
  });

  it("the same inputs give the same explanation: no rotation carries over between calls", async () => {
    const config = compile(singlePool({ origins: 3, pool: { steering: "round_robin" }, route: { retries: { attempts: 2 } } }));
    const first = await run(config);
    const second = await run(config);
    expect(second).toEqual(first);
  });
});
