/**
 * `latency` route steering: the pool with the lowest measured latency from this edge
 * location (its peak-EWMA, measured by this isolate on its own proxied requests, seeded
 * from the colo's view that the Durable Object aggregates). EXPLORE_SHARE of requests go
 * to another pool that is up, so a pool that got faster is noticed; a pool never measured
 * is tried one request at a time. Unlike Cloudflare's dynamic steering, no ten-minute
 * profile is needed: the first response from each pool gives an estimate. The chosen pool
 * comes first and the others follow fastest first, so a retry goes to the next fastest.
 */
import type { CompiledPool } from "../../config/compile.ts";
import type { RouteSteering, SteeringSignals } from "../types.ts";
import { FAILURE_PENALTY_MS } from "../latency.ts";

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
    const { pools } = route;
    const costs = new Float64Array(pools.length);
    let upCount = 0;
    for (let i = 0; i < pools.length; i++) {
      const pool = pools[i] as CompiledPool;
      const up = isUp(pool);
      costs[i] = up ? poolLatencyCost(pool, signals) : Number.POSITIVE_INFINITY;
      if (up) upCount++;
    }
    // Index sort on a typed array of costs: no objects per pool.
    const order = Array.from(pools.keys()).sort((a, b) => (costs[a] ?? 0) - (costs[b] ?? 0) || a - b);
    if (upCount > 1 && random() < EXPLORE_SHARE) {
      const explore = 1 + (Math.floor(random() * (upCount - 1)) % (upCount - 1));
      const [picked] = order.splice(explore, 1);
      if (picked !== undefined) order.unshift(picked);
    }
    return order.map((i) => pools[i] as CompiledPool);
  },
};
