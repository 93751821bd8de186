/**
 * `latency` route steering: the up pool with the lowest latency cost from this edge
 * location, estimate × (pile-up + 1) over the pool's own key (`pool:<id>`, every try
 * through the pool is a sample), with a bounded share of requests exploring pools whose
 * estimate has gone stale. The same rule and estimator as pool steering (latency-choice.ts,
 * latency.ts), with the route's `latency` settings. Unlike Cloudflare's dynamic steering,
 * no ten-minute profile is needed: a pool never measured is tried at once, and the first
 * answer gives an estimate. The chosen pool comes first, the others follow in route order
 * (one scan, no sort per request); equal costs keep route order.
 */
import type { CompiledPool } from "../../config/compile.ts";
import type { RouteSteering, SteeringSignals } from "../types.ts";
import { DEFAULT_LATENCY_SETTINGS } from "../latency.ts";
import type { LatencySettings } from "../latency.ts";
import { chooseByLatency, latencyCost } from "../latency-choice.ts";
import type { LatencyItems } from "../latency-choice.ts";
import { firstThenRest } from "./order.ts";

/** A pool's latency cost under a route's settings (what route steering compares). */
export function poolLatencyCost(
  pool: CompiledPool,
  signals: SteeringSignals,
  settings: LatencySettings = DEFAULT_LATENCY_SETTINGS,
): number {
  return latencyCost(pool.key, signals, settings);
}

export const latencyRoute: RouteSteering = {
  name: "latency",
  order({ route, signals, random, isUp, memory }) {
    const items: LatencyItems<CompiledPool> = { keyOf: (pool) => pool.key, usable: isUp };
    const chosen = route.pools[chooseByLatency(route.pools, items, signals, route.source.latency, memory, random)];
    return chosen === undefined ? route.pools : firstThenRest(chosen, route.pools);
  },
};
