/**
 * `least_outstanding` route steering: pools share traffic by smooth weighted round robin
 * over capacity ÷ (outstanding + 1), where capacity is the summed weight of a pool's
 * enabled origins and outstanding its requests in flight from this isolate — the pool
 * analogue of least-outstanding origin steering. Pools that are down follow in route order.
 */
import type { RouteSteering } from "../types.ts";
import { smoothWeightedPick } from "../smooth-weighted.ts";
import { firstThenRest } from "./order.ts";

export const leastOutstandingRoute: RouteSteering = {
  name: "least_outstanding",
  order({ route, signals, isUp, memory }) {
    const first =
      route.pools[
        smoothWeightedPick(route.pools, (pool) => (isUp(pool) ? pool.capacity / (signals.outstanding(pool.key) + 1) : 0), memory)
      ];
    return first === undefined ? route.pools : firstThenRest(first, route.pools);
  },
};
