/** The share of requests each candidate gets under a policy: the figures every rotation converges to, or the odds of a draw. */
import type { CompiledOrigin, CompiledPool } from "../../config/compile.ts";
import type { PoolSteeringName } from "../../config/schema.ts";
import type { SteeringSignals } from "../types.ts";
import { explainLatency } from "../latency-explain.ts";
import { ORIGIN_ITEMS } from "../pool/latency.ts";

/** Entry i's share of the sum of `weights` (0 when they sum to nothing). */
export function shareOf(weights: readonly number[], i: number): number {
  const total = weights.reduce((sum, w) => sum + w, 0);
  return total > 0 ? (weights[i] ?? 0) / total : 0;
}

/** Each candidate's share of the pool's requests under its steering (or under affinity hashing). */
export function candidateShares(
  pool: CompiledPool,
  candidates: readonly CompiledOrigin[],
  signals: SteeringSignals,
  hashedByAffinity: boolean,
): number[] {
  const policy: PoolSteeringName = hashedByAffinity ? "hash" : pool.source.steering;
  let weights: number[];
  switch (policy) {
    case "round_robin":
      weights = candidates.map(() => 1);
      break;
    case "least_outstanding":
      weights = candidates.map((o) => o.weight / (signals.outstanding(o.id) + 1));
      break;
    case "latency":
      // What the latency rule delivers while the signals hold: the cheapest (ties by weight), less the exploring share.
      return [...explainLatency(candidates, ORIGIN_ITEMS, signals, pool.source.latency, undefined, (o) => o.id).shares];
    default: {
      // A load-aware weighted pool rotates over its live weights (pool/weighted.ts).
      const live = policy === "weighted" && pool.source.loadAware?.enabled === true ? signals.liveWeights?.(pool) : undefined;
      weights = candidates.map((o) => live?.get(o.id)?.weight ?? o.weight);
    }
  }
  return candidates.map((_, i) => shareOf(weights, i));
}
