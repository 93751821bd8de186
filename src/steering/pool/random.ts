/** `random` pool steering: a random candidate, each with probability weight ÷ sum (as Cloudflare's `random`). */
import type { PoolSteering } from "../types.ts";

export const random: PoolSteering = {
  name: "random",
  pick({ candidates, random: rnd }) {
    let total = 0;
    for (const c of candidates) total += c.weight;
    let target = rnd() * total;
    for (const c of candidates) {
      target -= c.weight;
      if (target < 0) return c;
    }
    return candidates[candidates.length - 1];
  },
};
