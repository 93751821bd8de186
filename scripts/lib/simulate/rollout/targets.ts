/**
 * The targets for rollouts, checked on every seed a scenario ran (a benchmark's
 * verdict, never a timed test):
 *
 * - rollback-first-interval: rolled back in the first interval that reaches minRequests
 *   (in any colo), having served at most 0.5 % of the route's requests over the rollout's
 *   length (steps × interval: how long a good target's rollout takes);
 * - rollback-two-intervals: rolled back within two intervals;
 * - rollback-named: rolled back, naming the colo that is bad;
 * - promote-on-time: promoted after steps × interval, no more;
 * - no-false-rollback: never rolled back.
 */
import type { RolloutSpec } from "../../../../src/rollout/types.ts";
import type { RolloutSeedFigures } from "./run.ts";
import type { RolloutScenario, RolloutTargetName } from "./types.ts";

/** The most of the route's requests a failing target may have had. */
export const MAX_BAD_SHARE = 0.005;

export interface RolloutCheck {
  readonly target: RolloutTargetName;
  readonly goal: string;
  readonly pass: boolean;
  readonly figure: string;
}

const pct = (x: number, digits = 2): string => `${(x * 100).toFixed(digits)} %`;
const worst = (xs: readonly (number | undefined)[]): number => Math.max(...xs.map((x) => x ?? Number.POSITIVE_INFINITY));
const secs = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(0)} s` : "never");

function one(
  target: RolloutTargetName,
  seeds: readonly RolloutSeedFigures[],
  spec: RolloutSpec,
  badColo: string | undefined,
): RolloutCheck {
  const n = seeds.length;
  const rolledBack = seeds.filter((s) => s.state === "rolled_back");
  const intervalS = spec.intervalSeconds;
  switch (target) {
    case "rollback-first-interval": {
      const ok = rolledBack.filter((s) => s.interval <= (s.firstFullInterval ?? s.interval) && s.targetShare <= MAX_BAD_SHARE);
      return {
        target,
        goal: "rolled back in the first interval with minRequests, ≤ 0.5 % of requests to the target",
        pass: ok.length === n,
        figure: `${ok.length}/${n}: interval ≤ ${worst(rolledBack.map((s) => s.interval))}, by ${secs(worst(seeds.map((s) => s.decidedAtS)))}; ≤ ${pct(worst(seeds.map((s) => s.targetShare)))} of requests`,
      };
    }
    case "rollback-two-intervals": {
      const ok = rolledBack.filter((s) => (s.decidedAtS ?? Number.POSITIVE_INFINITY) <= 2 * intervalS);
      return {
        target,
        goal: "rolled back within two intervals",
        pass: ok.length === n,
        figure: `${ok.length}/${n} by ${secs(worst(seeds.map((s) => s.decidedAtS)))} (two intervals: ${2 * intervalS} s)`,
      };
    }
    case "rollback-named": {
      const ok = rolledBack.filter((s) => s.colo === badColo);
      const named = [...new Set(rolledBack.map((s) => s.colo))].join(", ") || "none";
      return {
        target,
        goal: `rolled back, naming ${badColo ?? "the bad colo"}`,
        pass: ok.length === n,
        figure: `${ok.length}/${n} named ${named}, by ${secs(worst(seeds.map((s) => s.decidedAtS)))}`,
      };
    }
    case "promote-on-time": {
      const limit = spec.steps.length * intervalS;
      const ok = seeds.filter((s) => s.state === "promoted" && (s.decidedAtS ?? Number.POSITIVE_INFINITY) <= limit);
      return {
        target,
        goal: `promoted after steps × interval (${spec.steps.length} × ${intervalS} s)`,
        pass: ok.length === n,
        figure: `${ok.length}/${n} by ${secs(worst(seeds.map((s) => s.decidedAtS)))}`,
      };
    }
    case "no-false-rollback":
      return {
        target,
        goal: `no false rollback in ${n} seeds`,
        pass: rolledBack.length === 0,
        figure: `${rolledBack.length} of ${n} rolled back`,
      };
  }
}

/** Checks the targets `scenario` names on every seed's figures. */
export function checkRollout(scenario: RolloutScenario, seeds: readonly RolloutSeedFigures[], spec: RolloutSpec): RolloutCheck[] {
  return scenario.targets.map((t) => one(t, seeds, spec, scenario.badColo));
}
