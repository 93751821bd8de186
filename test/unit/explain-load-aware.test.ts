/** `/explain` for a load-aware pool: each origin's live weight and where it comes from, and shares that follow it as the real rotation does. */
import { describe, expect, it } from "vitest";
import { LoadTracker } from "../../src/steering/load-tracker.ts";
import { createMemoryStore, selectOrigin } from "../../src/steering/select.ts";
import { NO_SIGNALS } from "../../src/steering/types.ts";
import type { SteeringSignals } from "../../src/steering/types.ts";
import { compile, poolOf, routeOf, singlePool } from "./helpers/configs.ts";
import { mulberry32 } from "./helpers/random.ts";
import { countIds } from "./steering-conformance.case.ts";
import { NOW, origin, pool, run } from "./helpers/explain.ts";

describe("explain: load-aware weights", () => {
  const config = compile(
    singlePool({ origins: 3, origin: (i) => ({ weight: [1, 3, 1][i] }), pool: { loadAware: { blackoutSeconds: 5, expirySeconds: 60 } } }),
  );
  const p = poolOf(config, "p");
  const tracker = new LoadTracker();
  // o0 and o1 have reported for 10 s; o2 just started (in blackout).
  for (const t of [NOW - 10_000, NOW - 1_000]) {
    tracker.observe(p, "o0", "TEXT cpu_utilization=0.2, rps_fractional=10", t);
    tracker.observe(p, "o1", "TEXT cpu_utilization=0.8, rps_fractional=10", t);
  }
  tracker.observe(p, "o2", "TEXT cpu_utilization=0.1, rps_fractional=10", NOW - 1_000);
  const signals: SteeringSignals = { ...NO_SIGNALS, liveWeights: (q) => tracker.weightsFor(q, NOW) };

  it("shows each origin's live weight and its source, and shares that match the real picks", async () => {
    const e = await run(config, { signals });
    const explained = pool(e, "p");
    expect(origin(explained, "o0").liveWeight).toEqual({ weight: 50, source: "report" });
    expect(origin(explained, "o1").liveWeight).toEqual({ weight: 12.5, source: "report" });
    // In blackout: its configured weight (1) on the live scale (median of 50/1 and 12.5/3).
    const o2 = origin(explained, "o2").liveWeight;
    expect(o2?.source).toBe("blackout");
    expect(o2?.weight).toBeCloseTo((50 + 12.5 / 3) / 2);
    const route = routeOf(config);
    const memory = createMemoryStore();
    const n = 3_000;
    const ids = Array.from(
      { length: n },
      () =>
        selectOrigin({
          route,
          client: {},
          random: mulberry32(1),
          memory,
          health: { isHealthy: () => true },
          exclude: new Set(),
          signals,
          hashKey: () => undefined,
        })?.origin.id ?? "none",
    );
    const seen = countIds(ids);
    for (const o of explained.origins) expect(Math.abs((seen[o.id] ?? 0) / n - o.share)).toBeLessThan(0.01);
    expect(origin(explained, "o0").share).toBeGreaterThan(origin(explained, "o1").share * 3.9);
  });

  it("shows no live weight in a pool that is not load-aware", async () => {
    const plain = compile(singlePool({ origins: 2 }));
    const e = await run(plain, { signals });
    expect(pool(e, "p").origins.map((o) => o.liveWeight)).toEqual([null, null]);
  });
});
