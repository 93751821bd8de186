/**
 * `least_outstanding` pool steering: smooth weighted round robin over effective weights
 * weight ÷ (outstanding + 1), where outstanding is this isolate's requests in flight to the
 * origin — Envoy's least-request balancing with bias 1, and the idea behind Cloudflare's
 * least outstanding requests steering. With no load it is plain weighted round robin; an
 * origin with requests piling up gets proportionally less until they drain.
 */
import type { PoolSteering } from "../types.ts";
import { smoothWeightedPick } from "../smooth-weighted.ts";

export const leastOutstanding: PoolSteering = {
  name: "least_outstanding",
  pick({ candidates, signals, memory }) {
    return candidates[smoothWeightedPick(candidates, (c) => c.weight / (signals.outstanding(c.id) + 1), memory)];
  },
};
