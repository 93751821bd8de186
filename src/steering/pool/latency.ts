/**
 * `latency` pool steering: the origin with the lowest latency cost from this edge location,
 * estimate × (pile-up + 1) (latency-choice.ts), with a bounded share of picks exploring origins whose
 * estimate has gone stale. The rule, and the estimator, are shared with route steering:
 * latency-choice.ts and latency.ts. Weights split ties (every origin unmeasured, at cold
 * start) at random; the pool's `latency` settings set the decay, exploring and penalty.
 */
import type { CompiledOrigin } from "../../config/compile.ts";
import type { PoolSteering } from "../types.ts";
import { chooseByLatency } from "../latency-choice.ts";
import type { LatencyItems } from "../latency-choice.ts";

/** How the shared rule reads origins (module-level: nothing is allocated per pick). */
export const ORIGIN_ITEMS: LatencyItems<CompiledOrigin> = {
  keyOf: (origin) => origin.id,
  weightOf: (origin) => origin.weight,
};

export const latency: PoolSteering = {
  name: "latency",
  pick({ pool, candidates, random, signals, memory }) {
    if (candidates.length <= 1) return candidates[0];
    return candidates[chooseByLatency(candidates, ORIGIN_ITEMS, signals, pool.source.latency, memory, random)];
  },
};
