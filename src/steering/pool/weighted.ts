/**
 * `weighted` pool steering (the default): smooth weighted round robin over origin weights.
 * A pool with `loadAware` uses the live weights its origins' load reports give instead
 * (load-weights.ts); the rotation is the same, only the weights differ.
 */
import type { CompiledOrigin } from "../../config/compile.ts";
import type { PoolSteering } from "../types.ts";
import { smoothWeightedPick } from "../smooth-weighted.ts";

const weightOf = (origin: CompiledOrigin): number => origin.weight;

export const weighted: PoolSteering = {
  name: "weighted",
  pick({ pool, candidates, memory, signals }) {
    // Nothing but this check for a pool that is not load-aware.
    const live = pool.source.loadAware?.enabled === true ? signals.liveWeights?.(pool) : undefined;
    if (live === undefined) return candidates[smoothWeightedPick(candidates, weightOf, memory)];
    return candidates[smoothWeightedPick(candidates, (o) => live.get(o.id)?.weight ?? o.weight, memory)];
  },
};
