/** `weighted` pool steering (the default): smooth weighted round robin over origin weights. */
import type { PoolSteering } from "../types.ts";
import { smoothWeightedPick } from "../smooth-weighted.ts";

export const weighted: PoolSteering = {
  name: "weighted",
  pick({ candidates, memory }) {
    const index = smoothWeightedPick(
      candidates.map((o) => o.id),
      candidates.map((o) => o.weight),
      memory,
    );
    return candidates[index];
  },
};
