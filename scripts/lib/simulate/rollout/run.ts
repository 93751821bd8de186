/**
 * A rollout scenario over ten seeds (the given one and the nine after it): the runs, and
 * the figures the report prints — decisions, when they came, the share of the route's
 * requests the target got, the colo named — with the targets checked on every seed.
 */
import { runRollout } from "./engine.ts";
import type { RolloutRun } from "./engine.ts";
import { checkRollout } from "./targets.ts";
import type { RolloutCheck } from "./targets.ts";
import type { RolloutScenario } from "./types.ts";

/** Seeds each rollout scenario runs: enough to count false rollbacks of a good canary. */
export const ROLLOUT_SEEDS = 10;

/** One seed's figures, as plain data. */
export interface RolloutSeedFigures {
  readonly seed: number;
  readonly state: string;
  /** Seconds from the rollout's start to its promotion or rollback. */
  readonly decidedAtS: number | undefined;
  /** The interval (1-based) the decision came in. */
  readonly interval: number;
  /** The interval in which some colo first had minRequests target requests (undefined: none before the decision). */
  readonly firstFullInterval: number | undefined;
  /** Share of the route's requests over the rollout's length (steps × interval) that reached the target. */
  readonly targetShare: number;
  readonly targetRequests: number;
  readonly requests: number;
  /** The target's error rate over the requests it got. */
  readonly targetErrorRate: number;
  /** Seconds from the start to the last request the target got. */
  readonly lastTargetS: number | undefined;
  /** The colo the deciding verdict named ("all colos" for the colos together; "" when none failed). */
  readonly colo: string;
  /** The figure that decided a rollback, in the history's words. */
  readonly failed: string | undefined;
}

export interface RolloutResult {
  readonly scenario: RolloutScenario;
  readonly seeds: readonly RolloutSeedFigures[];
  readonly promotions: number;
  readonly rollbacks: number;
  readonly checks: readonly RolloutCheck[];
  /** The first seed's target share per second (the chart). */
  readonly shareBySecond: readonly number[];
  readonly steps: readonly number[];
  readonly intervalSeconds: number;
  readonly windowS: number;
}

function figuresOf(run: RolloutRun): RolloutSeedFigures {
  const history = run.status.history;
  const last = history[history.length - 1];
  const failed = last?.verdict === "fail" ? last : undefined;
  return {
    seed: run.seed,
    state: run.status.state,
    decidedAtS: run.decidedAtMs === undefined ? undefined : run.decidedAtMs / 1_000,
    interval: history.length,
    firstFullInterval: run.firstFullInterval,
    targetShare: run.requests === 0 ? 0 : run.targetRequests / run.requests,
    targetRequests: run.targetRequests,
    requests: run.requests,
    targetErrorRate: run.targetRequests === 0 ? 0 : run.targetFailures / run.targetRequests,
    lastTargetS: run.lastTargetMs === undefined ? undefined : run.lastTargetMs / 1_000,
    colo: failed === undefined ? "" : (failed.colo ?? "all colos"),
    failed: failed?.figures?.failed,
  };
}

/** Runs `scenario` with seeds `seed` … `seed + ROLLOUT_SEEDS − 1`. */
export function simulateRollout(scenario: RolloutScenario, seed: number): RolloutResult {
  const runs = Array.from({ length: ROLLOUT_SEEDS }, (_, i) => runRollout(scenario, seed + i));
  const seeds = runs.map(figuresOf);
  const first = runs[0];
  if (first === undefined) throw new Error("simulator: a rollout scenario ran no seeds");
  return {
    scenario,
    seeds,
    promotions: seeds.filter((s) => s.state === "promoted").length,
    rollbacks: seeds.filter((s) => s.state === "rolled_back").length,
    checks: checkRollout(scenario, seeds, first.spec),
    shareBySecond: first.shareBySecond,
    steps: first.spec.steps,
    intervalSeconds: first.spec.intervalSeconds,
    windowS: first.windowMs / 1_000,
  };
}
