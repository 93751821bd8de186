/**
 * `least_outstanding` route steering: pools share traffic by smooth weighted round robin
 * over capacity ÷ (outstanding + 1), where capacity is the summed weight of a pool's
 * enabled origins and outstanding its requests in flight from this isolate — the pool
 * analogue of least-outstanding origin steering. Pools that are down follow in route order.
 */
import type { CompiledPool } from "../../config/compile.ts";
import type { RouteSteering } from "../types.ts";
import { poolKey } from "../latency.ts";
import { smoothWeightedPick } from "../smooth-weighted.ts";

function capacity(pool: CompiledPool): number {
  let sum = 0;
  for (const origin of pool.origins) if (origin.enabled) sum += origin.weight;
  return sum;
}

export const leastOutstandingRoute: RouteSteering = {
  name: "least_outstanding",
  order({ route, signals, isUp, memory }) {
    const weights = route.pools.map((pool) => (isUp(pool) ? capacity(pool) / (signals.outstanding(poolKey(pool.id)) + 1) : 0));
    if (!weights.some((w) => w > 0)) return route.pools;
    const first = route.pools[smoothWeightedPick(route.pools.map((p) => p.id), weights, memory)];
    return first === undefined ? route.pools : [first, ...route.pools.filter((p) => p !== first)];
  },
};
