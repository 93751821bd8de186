/** The share of requests each candidate gets under a policy: the figures every rotation converges to, or the odds of a draw. */
import type { CompiledOrigin, CompiledPool } from "../../config/compile.ts";
import type { PoolSteeringName } from "../../config/schema.ts";
import type { SteeringSignals } from "../types.ts";
import { FAILURE_PENALTY_MS } from "../latency.ts";

/** Entry i's share of the sum of `weights` (0 when they sum to nothing). */
export function shareOf(weights: readonly number[], i: number): number {
  const total = weights.reduce((sum, w) => sum + w, 0);
  return total > 0 ? (weights[i] ?? 0) / total : 0;
}

/**
 * Exact odds of each candidate under `latency` pool steering (power of two choices): the
 * first draw ∝ weight, the second ∝ weight among the rest, the lower cost wins and a tie
 * keeps the first draw.
 */
function twoChoiceShares(candidates: readonly CompiledOrigin[], signals: SteeringSignals): number[] {
  if (candidates.length === 1) return [1];
  const cost = candidates.map((o) => (signals.latencyMs(o.id) ?? FAILURE_PENALTY_MS) * (signals.outstanding(o.id) + 1));
  const w = candidates.map((o) => o.weight);
  const total = w.reduce((a, b) => a + b, 0);
  return candidates.map((_, i) => {
    let p = 0;
    const wi = w[i] ?? 0;
    const ci = cost[i] ?? 0;
    for (let j = 0; j < candidates.length; j++) {
      if (j === i) continue;
      const wj = w[j] ?? 0;
      const cj = cost[j] ?? 0;
      if (!(cj < ci)) p += (wi / total) * (wj / (total - wi));
      if (ci < cj) p += (wj / total) * (wi / (total - wj));
    }
    return p;
  });
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
      return twoChoiceShares(candidates, signals);
    default: {
      // A load-aware weighted pool rotates over its live weights (pool/weighted.ts).
      const live = policy === "weighted" && pool.source.loadAware?.enabled === true ? signals.liveWeights?.(pool) : undefined;
      weights = candidates.map((o) => live?.get(o.id)?.weight ?? o.weight);
    }
  }
  return candidates.map((_, i) => shareOf(weights, i));
}
