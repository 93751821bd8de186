/**
 * `weighted` route steering: splits traffic across pools by the route's `weights`
 * (canary and blue-green, as Istio's weighted destinations), with smooth weighted round
 * robin so the split is exact over short windows. Only pools that are up share the
 * traffic; the rest follow in route order as failover.
 */
import type { RouteSteering } from "../types.ts";
import { smoothWeightedPick } from "../smooth-weighted.ts";
import { firstThenRest } from "./order.ts";

export const weightedRoute: RouteSteering = {
  name: "weighted",
  order({ route, memory, isUp }) {
    const first = route.pools[smoothWeightedPick(route.pools, (pool, i) => (isUp(pool) ? (route.poolWeights[i] ?? 0) : 0), memory)];
    return first === undefined ? route.pools : firstThenRest(first, route.pools);
  },
};
