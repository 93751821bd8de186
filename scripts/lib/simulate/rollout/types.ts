/**
 * The shapes rollout scenarios are written in: a route whose stable pool and target pool
 * answer from every colo with their own latency and error rate, and the rollout that moves
 * the route's traffic from one to the other (a POST /_edgeway/rollouts body).
 */
import type { z } from "zod";
import type { RolloutRequestSchema } from "../../../../src/rollout/spec.ts";

/** A pool as its clients see it: where it is, how long it takes, how often it fails. */
export interface PoolModel {
  /** A region of the catalogue: with the colo's location, the round trip. */
  readonly region: string;
  /** Mean service time, ms (half fixed, half exponential: queue.ts responseSample). */
  readonly serviceMs: number;
  /** Share of requests answered 500. */
  readonly errorRate: number;
}

/** The target: a pool, and what is wrong with it. */
export interface TargetModel extends PoolModel {
  /** Multiplies every response time as the client sees it (1.5 = 50 % slower). */
  readonly latencyFactor: number;
  /** Error rate from particular colos (a regional dependency, a path problem). */
  readonly coloErrorRate?: Readonly<Record<string, number>>;
}

/** What a rollout scenario's figures are held to (scripts/lib/simulate/rollout/targets.ts). */
export type RolloutTargetName =
  | "rollback-first-interval"
  | "rollback-two-intervals"
  | "rollback-named"
  | "promote-on-time"
  | "no-false-rollback";

export interface RolloutScenario {
  /** File name without .ts, and the name on the command line. */
  readonly name: string;
  readonly title: string;
  readonly story: string;
  /** Colo codes (all of world.ts's when unset). */
  readonly colos?: readonly string[];
  /** Requests per second arriving at each colo (Poisson). */
  readonly ratePerColo: number;
  /** The rollout's body, less route and to (defaults as the API fills them). */
  readonly rollout: Omit<z.input<typeof RolloutRequestSchema>, "route" | "to">;
  readonly stable: PoolModel;
  readonly target: TargetModel;
  /** The colo a one-colo regression must be named by. */
  readonly badColo?: string;
  readonly targets: readonly RolloutTargetName[];
}
