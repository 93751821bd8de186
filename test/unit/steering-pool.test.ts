/**
 * What is particular to `weighted`, `round_robin` and `random` pool steering. What every
 * pool policy must do (candidates only, weight 0, health, distribution, determinism) is in
 * the shared suite, steering-conformance.case.ts, run by steering-conformance.test.ts.
 */
import { describe, expect, it } from "vitest";
import { NO_SIGNALS } from "../../src/steering/types.ts";
import type { CompiledOrigin, CompiledPool } from "../../src/config/compile.ts";
import { random } from "../../src/steering/pool/random.ts";
import { roundRobin } from "../../src/steering/pool/round-robin.ts";
import { weighted } from "../../src/steering/pool/weighted.ts";
import { smoothWeightedPick } from "../../src/steering/smooth-weighted.ts";
import type { PoolSteering, RandomSource, SteeringMemory } from "../../src/steering/types.ts";
import { compile, poolOf, singlePool } from "./helpers/configs.ts";
import { mulberry32 } from "./helpers/random.ts";

/** Pool "p" with one origin per weight (o0, o1, …). */
function poolWithWeights(weights: readonly number[]): CompiledPool {
  return poolOf(compile(singlePool({ origins: weights.length, origin: (i) => ({ weight: weights[i] ?? 1 }) })), "p");
}

/** `n` picks over the pool's origins; returns the ids in order. */
function picks(
  policy: PoolSteering,
  pool: CompiledPool,
  n: number,
  options: { random?: RandomSource; memory?: SteeringMemory; candidates?: readonly CompiledOrigin[] } = {},
): string[] {
  const rnd = options.random ?? mulberry32(1);
  const memory = options.memory ?? new Map<string, number>();
  const candidates = options.candidates ?? pool.origins;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const origin = policy.pick({ pool, candidates, client: {}, random: rnd, memory, signals: NO_SIGNALS, hashKey: undefined });
    if (origin === undefined) throw new Error(`${policy.name} picked nothing`);
    out.push(origin.id);
  }
  return out;
}

function counts(ids: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids) out[id] = (out[id] ?? 0) + 1;
  return out;
}

/** Longest run of `id` in a row. */
function longestRun(ids: readonly string[], id: string): number {
  let best = 0;
  let run = 0;
  for (const x of ids) {
    run = x === id ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
}

describe("weighted (smooth weighted round robin)", () => {
  it("weights 3:1 give exactly 750/250 over 1,000 picks", () => {
    const ids = picks(weighted, poolWithWeights([3, 1]), 1_000);
    expect(counts(ids)).toEqual({ o0: 750, o1: 250 });
  });

  it("spreads the picks: a a b a, never bursts", () => {
    const ids = picks(weighted, poolWithWeights([3, 1]), 1_000);
    expect(ids.slice(0, 8)).toEqual(["o0", "o0", "o1", "o0", "o0", "o0", "o1", "o0"]);
    expect(longestRun(ids, "o1")).toBe(1);
    expect(longestRun(ids, "o0")).toBeLessThanOrEqual(3);
    for (let start = 0; start + 4 <= ids.length; start += 4) {
      expect(counts(ids.slice(start, start + 4)), `window at ${start}`).toEqual({ o0: 3, o1: 1 });
    }
  });

  it("is exact over every window of sum(weights) picks for uneven weights", () => {
    const ids = picks(weighted, poolWithWeights([5, 3, 2]), 1_000);
    for (let start = 0; start + 10 <= ids.length; start += 10) {
      expect(counts(ids.slice(start, start + 10)), `window at ${start}`).toEqual({ o0: 5, o1: 3, o2: 2 });
    }
  });

  it("equal weights alternate", () => {
    const ids = picks(weighted, poolWithWeights([1, 1, 1]), 9);
    expect(ids).toEqual(["o0", "o1", "o2", "o0", "o1", "o2", "o0", "o1", "o2"]);
  });

  it("follows a weight change at once, keeping its memory", () => {
    const memory = new Map<string, number>();
    const before = picks(weighted, poolWithWeights([3, 1]), 7, { memory });
    expect(counts(before)).toEqual({ o0: 5, o1: 2 });
    const after = picks(weighted, poolWithWeights([1, 3]), 1_000, { memory });
    const c = counts(after);
    expect(Math.abs((c.o0 ?? 0) - 250)).toBeLessThanOrEqual(1);
    expect(Math.abs((c.o1 ?? 0) - 750)).toBeLessThanOrEqual(1);
  });

  it("a weight change to 1:1 alternates within a few picks", () => {
    const memory = new Map<string, number>();
    picks(weighted, poolWithWeights([9, 1]), 3, { memory });
    const after = picks(weighted, poolWithWeights([1, 1]), 100, { memory });
    const c = counts(after);
    expect(Math.abs((c.o0 ?? 0) - (c.o1 ?? 0))).toBeLessThanOrEqual(2);
  });

  it("keeps the split when a candidate drops out and comes back", () => {
    const pool = poolWithWeights([2, 1, 1]);
    const memory = new Map<string, number>();
    picks(weighted, pool, 5, { memory });
    const without = picks(weighted, pool, 100, { memory, candidates: pool.origins.filter((o) => o.id !== "o2") });
    expect(without).not.toContain("o2");
    const w = counts(without);
    expect(Math.abs((w.o0 ?? 0) - 67)).toBeLessThanOrEqual(2);
    const back = counts(picks(weighted, pool, 400, { memory }));
    expect(Math.abs((back.o0 ?? 0) - 200)).toBeLessThanOrEqual(2);
    expect(Math.abs((back.o2 ?? 0) - 100)).toBeLessThanOrEqual(2);
  });

  it("smoothWeightedPick skips weight 0 and non-positive weights", () => {
    const memory = new Map<string, number>();
    const chosen = new Set<number>();
    for (let i = 0; i < 100; i++) chosen.add(smoothWeightedPick(["a", "b", "c"], (_, i) => [0, 2, -1][i] ?? 0, memory));
    expect([...chosen]).toEqual([1]);
  });
});

describe("round_robin", () => {
  it("cycles through the candidates in order, ignoring weights", () => {
    const ids = picks(roundRobin, poolWithWeights([10, 1, 1]), 9);
    expect(ids).toEqual(["o0", "o1", "o2", "o0", "o1", "o2", "o0", "o1", "o2"]);
  });

  it("keeps its place in shared memory", () => {
    const pool = poolWithWeights([1, 1, 1, 1]);
    const memory = new Map<string, number>();
    expect(picks(roundRobin, pool, 2, { memory })).toEqual(["o0", "o1"]);
    expect(picks(roundRobin, pool, 3, { memory })).toEqual(["o2", "o3", "o0"]);
  });

  it("gives each of n candidates exactly 1/n", () => {
    expect(counts(picks(roundRobin, poolWithWeights([1, 7, 1, 1, 1]), 1_000))).toEqual({ o0: 200, o1: 200, o2: 200, o3: 200, o4: 200 });
  });
});

describe("random", () => {
  it.each([1, 2, 3, 99])("with seed %i lands within ±3% of each weight share over 10,000 picks", (seed) => {
    const weights = [5, 3, 2];
    const ids = picks(random, poolWithWeights(weights), 10_000, { random: mulberry32(seed) });
    const c = counts(ids);
    weights.forEach((w, i) => {
      const share = (c[`o${i}`] ?? 0) / 10_000;
      expect(Math.abs(share - w / 10), `o${i} share ${share}`).toBeLessThanOrEqual(0.03);
    });
  });

  it("maps the random value onto cumulative weights", () => {
    const pool = poolWithWeights([1, 3]);
    const pickAt = (value: number): string | undefined =>
      random.pick({
        pool,
        candidates: pool.origins,
        client: {},
        random: () => value,
        memory: new Map(),
        signals: NO_SIGNALS,
        hashKey: undefined,
      })?.id;
    expect(pickAt(0)).toBe("o0");
    expect(pickAt(0.24)).toBe("o0");
    expect(pickAt(0.25)).toBe("o1");
    expect(pickAt(0.999_999)).toBe("o1");
  });

  it("differs between seeds (it is random, not a rotation)", () => {
    const pool = poolWithWeights([1, 1, 1]);
    expect(picks(random, pool, 50, { random: mulberry32(1) })).not.toEqual(picks(random, pool, 50, { random: mulberry32(2) }));
  });
});
