/** `weighted` pool steering (the default): smooth weighted round robin over origin weights. */
import type { CompiledOrigin } from "../../config/compile.ts";
import type { PoolSteering } from "../types.ts";
import { smoothWeightedPick } from "../smooth-weighted.ts";

const weightOf = (origin: CompiledOrigin): number => origin.weight;

export const weighted: PoolSteering = {
  name: "weighted",
  pick({ candidates, memory }) {
    return candidates[smoothWeightedPick(candidates, weightOf, memory)];
  },
};
