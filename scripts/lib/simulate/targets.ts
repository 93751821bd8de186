/**
 * The targets for the pool and route latency policies, checked in the report (a
 * benchmark's verdict, never a timed test). Each scenario names the targets it measures.
 */
import { DEFAULT_EXPLORE_INTERVAL_SECONDS } from "../../../src/steering/latency.ts";
import type { Figures, Timing } from "./metrics.ts";
import type { TargetName } from "./types.ts";

/**
 * The exploration floor: every origin that stays healthy is tried from every colo at
 * least once in this many seconds. The issue asks for "one request per origin per N
 * seconds per isolate, or ≤ 2 % of traffic, whichever is smaller"; latency steering
 * explores an estimate once it is DEFAULT_EXPLORE_INTERVAL_SECONDS (5 s) old, within an
 * exploring budget that can postpone it, so the floor allows two intervals.
 */
export const FLOOR_MAX_GAP_S = 2 * DEFAULT_EXPLORE_INTERVAL_SECONDS;

export interface Check {
  readonly target: TargetName;
  readonly goal: string;
  readonly pass: boolean;
  /** The figure the verdict rests on, as printed. */
  readonly figure: string;
}

/** Added latency over the oracle, filled in once the oracle's run is known. */
export interface Added {
  readonly meanMs: number;
  readonly meanPct: number;
  readonly p99Ms: number;
}

export const pct = (x: number, digits = 1): string => `${(x * 100).toFixed(digits)} %`;
export const timing = (t: Timing | undefined): string => (t === undefined ? "" : typeof t === "number" ? `${t.toFixed(1)} s` : t);
const within = (t: Timing | undefined, limit: number): boolean => typeof t === "number" && t <= limit;

type Checker = (f: Figures, added: Added | undefined) => Omit<Check, "target">;

const CHECKERS: Readonly<Record<TargetName, Checker>> = {
  "best-share": (f) => ({ goal: "≥ 95 % to the best origin", pass: f.bestShare >= 0.95, figure: pct(f.bestShare) }),
  "added-latency": (_, added) => {
    const over = added?.meanPct ?? Number.NaN;
    return { goal: "mean ≤ 5 % over the oracle", pass: over <= 5, figure: `+${over.toFixed(1)} %` };
  },
  shift: (f) => ({ goal: "shift within 2 s", pass: within(f.shiftS, 2), figure: timing(f.shiftS) }),
  recover: (f) => ({ goal: "recover within 10 s", pass: within(f.recoverS, 10), figure: timing(f.recoverS) }),
  "new-origin": (f) => ({ goal: "new origin in use within 10 s", pass: within(f.newOriginS, 10), figure: timing(f.newOriginS) }),
  floor: (f) => ({
    goal: `every healthy origin tried from every colo within ${FLOOR_MAX_GAP_S} s`,
    pass: f.maxGap.seconds <= FLOOR_MAX_GAP_S,
    figure: `longest gap ${f.maxGap.seconds.toFixed(1)} s (${f.maxGap.colo} → ${f.maxGap.origin})`,
  }),
  "fast-fail": (f) => {
    const share = f.fastFailShare ?? Number.NaN;
    return { goal: "fast-failing origin < 1 % after 5 s", pass: share < 0.01, figure: pct(share, 2) };
  },
};

/** Checks one run's figures against the targets its scenario names. */
export function check(targets: readonly TargetName[], f: Figures, added: Added | undefined): Check[] {
  return targets.map((target) => ({ target, ...CHECKERS[target](f, added) }));
}
