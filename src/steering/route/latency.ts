/**
 * `latency` route steering: the pool with the lowest measured latency from this edge
 * location (its peak-EWMA, measured by this isolate on its own proxied requests, seeded
 * from the colo's view that the Durable Object aggregates). EXPLORE_SHARE of requests go
 * to another pool that is up, so a pool that got faster is noticed; a pool never measured
 * is tried one request at a time. Unlike Cloudflare's dynamic steering, no ten-minute
 * profile is needed: the first response from each pool gives an estimate. The chosen
 * pool comes first, the others follow in route order (one scan, no sort per request).
 */
import type { CompiledPool } from "../../config/compile.ts";
import type { RouteSteering, SteeringSignals } from "../types.ts";
import { FAILURE_PENALTY_MS } from "../latency.ts";
import { firstThenRest } from "./order.ts";

/** Share of requests that explore another pool. */
export const EXPLORE_SHARE = 0.05;

/** A pool's latency cost; an unmeasured pool is cheapest while nothing is in flight to it. */
export function poolLatencyCost(pool: CompiledPool, signals: SteeringSignals): number {
  const measured = signals.latencyMs(pool.key);
  if (measured !== undefined) return measured;
  return signals.outstanding(pool.key) === 0 ? 0 : FAILURE_PENALTY_MS;
}

export const latencyRoute: RouteSteering = {
  name: "latency",
  order({ route, signals, random, isUp }) {
    let best: CompiledPool | undefined;
    let bestCost = Number.POSITIVE_INFINITY;
    let upCount = 0;
    for (const pool of route.pools) {
      if (!isUp(pool)) continue;
      upCount++;
      const cost = poolLatencyCost(pool, signals);
      if (cost < bestCost) {
        bestCost = cost;
        best = pool;
      }
    }
    if (best === undefined) return route.pools;
    if (upCount > 1 && random() < EXPLORE_SHARE) {
      // The k-th up pool other than the best, k uniform.
      let k = Math.floor(random() * (upCount - 1)) % (upCount - 1);
      for (const pool of route.pools) {
        if (pool === best || !isUp(pool)) continue;
        if (k-- === 0) return firstThenRest(pool, route.pools);
      }
    }
    return firstThenRest(best, route.pools);
  },
};
