/** `round_robin` pool steering: each candidate in turn, weights ignored. */
import type { PoolSteering } from "../types.ts";

const COUNTER = "";

export const roundRobin: PoolSteering = {
  name: "round_robin",
  pick({ candidates, memory }) {
    const next = memory.get(COUNTER) ?? 0;
    memory.set(COUNTER, (next + 1) % 1_000_000_007);
    return candidates[next % candidates.length];
  },
};
