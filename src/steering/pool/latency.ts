/**
 * `latency` pool steering: power of two choices over peak-EWMA cost, as Linkerd and
 * Finagle balance. Two distinct candidates are drawn, each with probability ∝ weight, and
 * the one with the lower cost = latency × (outstanding + 1) wins, so a slow or busy origin
 * gets less without a fast one being flooded. An origin never measured costs
 * FAILURE_PENALTY_MS (Tower's default), so new origins are tried but not flooded; failed
 * tries count as slow (see latency.ts). Equal costs keep the first draw.
 */
import type { CompiledOrigin } from "../../config/compile.ts";
import type { PoolSteering, RandomSource, SteeringSignals } from "../types.ts";
import { FAILURE_PENALTY_MS } from "../latency.ts";

function cost(origin: CompiledOrigin, signals: SteeringSignals): number {
  return (signals.latencyMs(origin.id) ?? FAILURE_PENALTY_MS) * (signals.outstanding(origin.id) + 1);
}

/** Index of a candidate drawn with probability ∝ weight, skipping `skip`. */
function draw(candidates: readonly CompiledOrigin[], random: RandomSource, skip: number): number {
  let total = 0;
  for (let i = 0; i < candidates.length; i++) if (i !== skip) total += candidates[i]?.weight ?? 0;
  let target = random() * total;
  let last = -1;
  for (let i = 0; i < candidates.length; i++) {
    if (i === skip) continue;
    last = i;
    target -= candidates[i]?.weight ?? 0;
    if (target < 0) return i;
  }
  return last;
}

export const latency: PoolSteering = {
  name: "latency",
  pick({ candidates, random, signals }) {
    if (candidates.length <= 1) return candidates[0];
    const first = draw(candidates, random, -1);
    const a = candidates[first];
    const b = candidates[draw(candidates, random, first)];
    if (a === undefined || b === undefined) return a ?? b;
    return cost(b, signals) < cost(a, signals) ? b : a;
  },
};
