/** Steering policies by the name the config uses. */
import type { PoolSteeringName, RouteSteeringName } from "../config/schema.ts";
import type { PoolSteering, RouteSteering } from "./types.ts";
import { weighted } from "./pool/weighted.ts";
import { roundRobin } from "./pool/round-robin.ts";
import { random } from "./pool/random.ts";
import { leastOutstanding } from "./pool/least-outstanding.ts";
import { latency } from "./pool/latency.ts";
import { hash } from "./pool/hash.ts";
import { failover } from "./route/failover.ts";
import { weightedRoute } from "./route/weighted.ts";
import { geo } from "./route/geo.ts";
import { proximity } from "./route/proximity.ts";
import { latencyRoute } from "./route/latency.ts";
import { leastOutstandingRoute } from "./route/least-outstanding.ts";

/** Every pool policy, by the name the config uses. */
export const POOL_POLICIES: Record<PoolSteeringName, PoolSteering> = {
  weighted,
  round_robin: roundRobin,
  random,
  least_outstanding: leastOutstanding,
  latency,
  hash,
};

/** Every route policy, by the name the config uses. */
export const ROUTE_POLICIES: Record<RouteSteeringName, RouteSteering> = {
  failover,
  weighted: weightedRoute,
  geo,
  proximity,
  latency: latencyRoute,
  least_outstanding: leastOutstandingRoute,
};
