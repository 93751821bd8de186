/**
 * `latency` route steering: the pool with the lowest measured latency from this edge
 * location (its peak-EWMA, measured by this isolate on its own proxied requests, seeded
 * from the colo's view that the Durable Object aggregates). EXPLORE_SHARE of requests go
 * to another pool that is up, so a pool that got faster is noticed; a pool never measured
 * is tried once at a time. Unlike Cloudflare's dynamic steering, no ten-minute profile is
 * needed: the first response from each pool gives an estimate.
 */
import type { CompiledPool } from "../../config/compile.ts";
import type { RouteSteering, SteeringSignals } from "../types.ts";
import { FAILURE_PENALTY_MS, poolKey } from "../latency.ts";

/** Share of requests that explore another pool. */
export const EXPLORE_SHARE = 0.05;

/** A pool's latency cost; an unmeasured pool is cheapest while nothing is in flight to it. */
export function poolLatencyCost(pool: CompiledPool, signals: SteeringSignals): number {
  const key = poolKey(pool.id);
  const measured = signals.latencyMs(key);
  if (measured !== undefined) return measured;
  return signals.outstanding(key) === 0 ? 0 : FAILURE_PENALTY_MS;
}

export const latencyRoute: RouteSteering = {
  name: "latency",
  order({ route, signals, random, isUp }) {
    const scored = route.pools
      .map((pool, index) => ({ pool, index, cost: isUp(pool) ? poolLatencyCost(pool, signals) : Number.POSITIVE_INFINITY }))
      .sort((a, b) => a.cost - b.cost || a.index - b.index);
    const up = scored.filter((s) => s.cost !== Number.POSITIVE_INFINITY);
    if (up.length > 1 && random() < EXPLORE_SHARE) {
      const pick = up[1 + (Math.floor(random() * (up.length - 1)) % (up.length - 1))];
      if (pick !== undefined) return [pick.pool, ...scored.filter((s) => s !== pick).map((s) => s.pool)];
    }
    return scored.map((s) => s.pool);
  },
};
