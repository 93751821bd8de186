import { describe, expect, it } from "vitest";
import type { CompiledOrigin } from "../../src/config/compile.ts";
import type { Monitor } from "../../src/config/schema.ts";
import type { ProbeResult } from "../../src/health/probe-result.ts";
import { combineResults, mapBounded, planProbes, PROBE_CONCURRENCY, runProbes } from "../../src/health/probe-runner.ts";
import { compile, makeOrigins, makePool, makeRoute, multiCloud } from "./helpers/configs.ts";
import { mulberry32 } from "./helpers/random.ts";

/**
 * Origins a…f; monitors "fast" (10 s, up 4 / down 2) and "slow" (60 s, up 2 / down 3);
 * p1 [a, b] slow, p2 [b, c] fast, p3 [d (disabled)] slow, p4 [e] no monitor, p5 [a] slow again.
 */
function fixture() {
  const ids = ["a", "b", "c", "d", "e"];
  const origins = makeOrigins(ids.length).map((o, i) => ({ ...o, id: ids[i] ?? "", enabled: ids[i] !== "d" }));
  return compile({
    origins,
    monitors: [
      { id: "slow", intervalSeconds: 60, healthyThreshold: 2, unhealthyThreshold: 3 },
      { id: "fast", intervalSeconds: 10, healthyThreshold: 4, unhealthyThreshold: 2 },
    ],
    pools: [
      makePool("p1", ["a", "b"], { monitor: "slow" }),
      makePool("p2", ["b", "c"], { monitor: "fast" }),
      makePool("p3", ["d"], { monitor: "slow" }),
      makePool("p4", ["e"]),
      makePool("p5", ["a"], { monitor: "slow" }),
    ],
    routes: [makeRoute("r", ["p1", "p2", "p3", "p4", "p5"])],
  });
}

function summary(plans: ReturnType<typeof planProbes>): Record<string, { monitors: string[]; healthy: number; unhealthy: number }> {
  return Object.fromEntries(
    plans.map((p) => [
      p.origin.id,
      { monitors: p.monitors.map((m) => m.id), healthy: p.thresholds.healthyThreshold, unhealthy: p.thresholds.unhealthyThreshold },
    ]),
  );
}

describe("planProbes", () => {
  it("plans origins in pools with a monitor; skips disabled ones and pools without a monitor", () => {
    const plans = summary(planProbes(fixture()));
    expect(Object.keys(plans).sort()).toEqual(["a", "b", "c"]);
    expect(plans.d).toBeUndefined();
    expect(plans.e).toBeUndefined();
  });

  it("an origin in two pools with two monitors gets both and the strictest thresholds", () => {
    const plans = summary(planProbes(fixture()));
    expect(plans.b?.monitors.sort()).toEqual(["fast", "slow"]);
    // Strictest: slowest to come back (max healthy), quickest to go down (min unhealthy).
    expect(plans.b?.healthy).toBe(4);
    expect(plans.b?.unhealthy).toBe(2);
  });

  it("an origin in two pools with the same monitor is probed once with it", () => {
    const plans = summary(planProbes(fixture()));
    expect(plans.a).toEqual({ monitors: ["slow"], healthy: 2, unhealthy: 3 });
    expect(plans.c).toEqual({ monitors: ["fast"], healthy: 4, unhealthy: 2 });
  });

  it("hands over the compiled origin itself", () => {
    const config = fixture();
    for (const plan of planProbes(config)) expect(plan.origin).toBe(config.origins.get(plan.origin.id));
  });

  it("a filter picks monitors (e.g. the sub-minute ones for the alarm)", () => {
    const plans = summary(planProbes(fixture(), (m) => m.intervalSeconds < 60));
    expect(plans).toEqual({ b: { monitors: ["fast"], healthy: 4, unhealthy: 2 }, c: { monitors: ["fast"], healthy: 4, unhealthy: 2 } });
  });

  it("plans every origin of the multi-cloud example with its monitor", () => {
    const plans = summary(planProbes(compile(multiCloud())));
    expect(Object.keys(plans).sort()).toEqual(["aws-use1", "aws-usw2", "az-sea", "gcp-euw1"]);
    for (const plan of Object.values(plans)) expect(plan).toEqual({ monitors: ["http"], healthy: 2, unhealthy: 2 });
  });

  it("plans nothing when no pool has a monitor", () => {
    const config = compile({ origins: makeOrigins(2), pools: [makePool("p", ["o0", "o1"])], routes: [makeRoute("r", ["p"])] });
    expect(planProbes(config)).toEqual([]);
  });
});

/** Yields to the microtask queue `n` times. */
async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

describe("mapBounded", () => {
  it.each([1, 3, 4, 16])("never has more than %i in flight, uses them all, and keeps order", async (limit) => {
    const rnd = mulberry32(limit);
    const items = Array.from({ length: 40 }, (_, i) => i);
    const delays = items.map(() => 1 + Math.floor(rnd() * 20));
    let inFlight = 0;
    let maxInFlight = 0;
    const finished: number[] = [];
    const results = await mapBounded(items, limit, async (item) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await ticks(delays[item] ?? 1);
      inFlight--;
      finished.push(item);
      return `r${item}`;
    });
    expect(maxInFlight).toBeLessThanOrEqual(limit);
    expect(maxInFlight).toBe(Math.min(limit, items.length));
    expect(results).toEqual(items.map((i) => `r${i}`));
    if (limit > 1) expect(finished).not.toEqual(items);
  });

  it("handles fewer items than the limit, and none", async () => {
    expect(await mapBounded([1, 2], 16, async (x) => x * 10)).toEqual([10, 20]);
    expect(await mapBounded([], 16, async (x: number) => x)).toEqual([]);
  });

  it("runs each item exactly once", async () => {
    const seen: number[] = [];
    await mapBounded([5, 6, 7, 8, 9], 2, async (x) => {
      seen.push(x);
      await ticks(x % 3);
      return x;
    });
    expect(seen.sort()).toEqual([5, 6, 7, 8, 9]);
  });

  it("the probe concurrency cap is a small positive number", () => {
    expect(PROBE_CONCURRENCY).toBeGreaterThan(0);
    expect(PROBE_CONCURRENCY).toBeLessThanOrEqual(50);
  });
});

function result(originId: string, monitorId: string, ok: boolean, at = 1_000): ProbeResult {
  return { originId, monitorId, ok, at, latencyMs: 5, status: ok ? 200 : 503, reason: ok ? "HTTP 200" : "HTTP 503 (expected 2xx)" };
}

describe("combineResults", () => {
  it("is ok only when every monitor passed", () => {
    const ok1 = result("b", "slow", true);
    const ok2 = result("b", "fast", true);
    expect(combineResults([ok1, ok2])).toBe(ok1);
    const bad = result("b", "fast", false);
    expect(combineResults([ok1, bad])).toBe(bad);
    expect(combineResults([bad, ok1])?.ok).toBe(false);
  });

  it("gives undefined for no results", () => {
    expect(combineResults([])).toBeUndefined();
  });
});

describe("runProbes", () => {
  it("probes every (origin, monitor) pair and folds them into one result per origin", async () => {
    const config = fixture();
    const calls: string[] = [];
    const results = await runProbes(planProbes(config), async (origin: CompiledOrigin, monitor: Monitor) => {
      calls.push(`${origin.id}/${monitor.id}`);
      return result(origin.id, monitor.id, !(origin.id === "b" && monitor.id === "fast"));
    });
    expect(calls.sort()).toEqual(["a/slow", "b/fast", "b/slow", "c/fast"]);
    const byOrigin = Object.fromEntries(results.map((r) => [r.originId, r]));
    expect(Object.keys(byOrigin).sort()).toEqual(["a", "b", "c"]);
    expect(byOrigin.a?.ok).toBe(true);
    expect(byOrigin.b?.ok).toBe(false);
    expect(byOrigin.b?.monitorId).toBe("fast");
    expect(byOrigin.c?.ok).toBe(true);
  });
});
