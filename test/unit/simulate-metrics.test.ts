/**
 * The steering simulator's figures (scripts/lib/simulate/metrics.ts, targets.ts),
 * computed from hand-built run records whose answers are known.
 */
import { describe, expect, it } from "vitest";
import { BIN_MS } from "../../scripts/lib/simulate/engine.ts";
import type { RunRecord } from "../../scripts/lib/simulate/engine.ts";
import { figuresOf, percentile, shareOf } from "../../scripts/lib/simulate/metrics.ts";
import { check, FLOOR_MAX_GAP_S } from "../../scripts/lib/simulate/targets.ts";
import type { Scenario } from "../../scripts/lib/simulate/types.ts";

const SECONDS = 40;
const N_BINS = (SECONDS * 1_000) / BIN_MS;
const COLOS = ["IAD", "FRA"];
const ORIGINS = ["us", "eu", "spare"];

/**
 * A record where, per bin, colo c sends `tries(bin, c)` = [to us, to eu, to spare];
 * every try is a first try, the best origin for IAD is "us" and for FRA "eu".
 */
function record(tries: (bin: number, colo: number) => readonly number[], extra: Partial<RunRecord> = {}): RunRecord {
  const C = COLOS.length;
  const O = ORIGINS.length;
  const t = new Float64Array(N_BINS * C * O);
  const first = new Float64Array(N_BINS * C);
  const best = new Float64Array(N_BINS * C);
  for (let b = 0; b < N_BINS; b++) {
    for (let c = 0; c < C; c++) {
      const row = tries(b, c);
      row.forEach((n, o) => {
        t[(b * C + c) * O + o] = n;
        first[b * C + c] = (first[b * C + c] ?? 0) + n;
      });
      best[b * C + c] = row[c] ?? 0;
    }
  }
  return {
    scenario: "test",
    policy: "test",
    seed: 1,
    colos: COLOS,
    origins: ORIGINS,
    nBins: N_BINS,
    tries: t,
    firstTries: first,
    bestFirst: best,
    requests: new Float64Array(N_BINS).fill(20),
    errors: new Float64Array(N_BINS),
    latencyMs: Float64Array.from({ length: 100 }, (_, i) => i + 1),
    startMs: new Float64Array(100).fill(30_000),
    maxGapMs: new Float64Array(C * O).fill(1_000),
    bestBeforeSlowdown: [0, 1],
    bestAfterJoin: undefined,
    ...extra,
  };
}

const scenario = (overrides: Partial<Scenario>): Scenario => ({
  name: "test",
  title: "test",
  story: "",
  durationS: SECONDS,
  warmupS: 5,
  ratePerColo: 20,
  origins: ORIGINS.map((id) => ({ id, region: "aws:us-east-1", serviceMs: 10, capacity: 100 })),
  events: [],
  marks: {},
  targets: [],
  ...overrides,
});

const bin = (seconds: number): number => (seconds * 1_000) / BIN_MS;

describe("simulator figures", () => {
  it("percentile is the nearest rank", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 99)).toBeNaN();
  });

  it("shares count tries of the given colos only", () => {
    const r = record((_, c) => (c === 0 ? [9, 1, 0] : [0, 5, 5]));
    expect(shareOf(r, 0, [0], 0, N_BINS)).toBeCloseTo(0.9, 12);
    expect(shareOf(r, 1, [0, 1], 0, N_BINS)).toBeCloseTo(6 / 20, 12);
    expect(shareOf(r, 2, [1], 0, 1)).toBeCloseTo(0.5, 12);
  });

  it("best share, mean, p99 and the smallest share of an origin that stayed healthy", () => {
    const r = record((_, c) => (c === 0 ? [18, 1, 1] : [1, 18, 1]));
    const f = figuresOf(scenario({}), r);
    expect(f.bestShare).toBeCloseTo(0.9, 12);
    expect(f.bestShareByColo["IAD"]).toBeCloseTo(0.9, 12);
    expect(f.bestShareByColo["FRA"]).toBeCloseTo(0.9, 12);
    expect(f.meanMs).toBeCloseTo(50.5, 12);
    expect(f.p99Ms).toBe(99);
    expect(f.minShare.share).toBeCloseTo(0.05, 12);
    expect(f.errorRate).toBe(0);
  });

  it("times the shift after a slowdown and the recovery after it ends, to the end of the bin that shows it", () => {
    // IAD sends everything to "us" until 11 s, nothing from 11 s to 23 s, everything again after.
    const r = record((b, c) => (c === 1 ? [0, 10, 0] : b < bin(11) || b >= bin(23) ? [10, 0, 0] : [0, 10, 0]));
    const f = figuresOf(scenario({ marks: { slowdown: { origin: "us", at: 10, recoverAt: 20 } } }), r);
    expect(f.shareBeforeSlowdown).toBe(1);
    expect(f.shiftS).toBeCloseTo(1 + BIN_MS / 1_000, 9);
    expect(f.recoverS).toBeCloseTo(3 + BIN_MS / 1_000, 9);
  });

  it("says never when traffic never moves, and n/a when there was nothing to move", () => {
    const stuck = figuresOf(
      scenario({ marks: { slowdown: { origin: "us", at: 10, recoverAt: 20 } } }),
      record(() => [10, 0, 0]),
    );
    expect(stuck.shiftS).toBe("never");
    expect(stuck.recoverS).toBe("n/a");
    const spread = figuresOf(
      scenario({ marks: { slowdown: { origin: "us", at: 10, recoverAt: 20 } } }),
      record(() => [1, 9, 0]),
    );
    expect(spread.shiftS).toBe("n/a");
  });

  it("times a new origin's take-up in the colos it is best for", () => {
    // "spare" joins at 10 s, best for FRA; FRA gives it 60 % from 14 s.
    const r = record((b, c) => (c === 1 && b >= bin(14) ? [0, 4, 6] : c === 1 ? [0, 10, 0] : [10, 0, 0]), { bestAfterJoin: [0, 2] });
    const f = figuresOf(scenario({ marks: { join: { origin: "spare", at: 10 } } }), r);
    expect(f.newOriginS).toBeCloseTo(4 + BIN_MS / 1_000, 9);
  });

  it("counts a fast-failing origin's share from 5 s after it starts failing", () => {
    // "us" gets half of all tries until 15 s, then 1 in 100.
    const r = record((b) => (b < bin(15) ? [10, 10, 0] : [1, 99, 0]));
    const f = figuresOf(scenario({ marks: { fastFail: { origin: "us", at: 10 } } }), r);
    expect(f.fastFailShare).toBeCloseTo(0.01, 12);
  });
});

describe("simulator targets", () => {
  it("passes and fails each target on its figure", () => {
    const good = figuresOf(
      scenario({}),
      record((_, c) => (c === 0 ? [97, 2, 1] : [1, 97, 2])),
    );
    const checks = check(["best-share", "added-latency", "floor"], good, { meanMs: 1, meanPct: 4.9, p99Ms: 3 });
    expect(checks.map((c) => [c.target, c.pass])).toEqual([
      ["best-share", true],
      ["added-latency", true],
      ["floor", true],
    ]);
    const gappy = figuresOf(
      scenario({}),
      record(() => [90, 10, 0], { maxGapMs: new Float64Array(COLOS.length * ORIGINS.length).fill((FLOOR_MAX_GAP_S + 1) * 1_000) }),
    );
    const failed = check(["best-share", "added-latency", "floor"], gappy, { meanMs: 1, meanPct: 5.1, p99Ms: 3 });
    expect(failed.every((c) => !c.pass)).toBe(true);
    expect(failed[2]?.figure).toMatch(/longest gap 11\.0 s/);
  });
});
