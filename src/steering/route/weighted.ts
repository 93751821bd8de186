/**
 * `weighted` route steering: splits traffic across pools by the route's `weights`
 * (canary and blue-green, as Istio's weighted destinations), with smooth weighted round
 * robin so the split is exact over short windows. Only pools that are up share the
 * traffic; the rest follow in route order as failover.
 */
import type { CompiledPool } from "../../config/compile.ts";
import type { RouteSteering } from "../types.ts";
import { smoothWeightedPick } from "../smooth-weighted.ts";

export const weightedRoute: RouteSteering = {
  name: "weighted",
  order({ route, memory, isUp }) {
    const weights = route.pools.map((pool, i) => (isUp(pool) ? (route.poolWeights[i] ?? 0) : 0));
    if (!weights.some((w) => w > 0)) return route.pools;
    const first = route.pools[smoothWeightedPick(route.pools.map((p) => p.id), weights, memory)];
    if (first === undefined) return route.pools;
    const rest: CompiledPool[] = route.pools.filter((p) => p !== first);
    return [first, ...rest];
  },
};
