/** Steering policies by the name the config uses. */
import type { PoolSteeringName, RouteSteeringName } from "../config/schema.ts";
import type { PoolSteering, RouteSteering } from "./types.ts";
import { weighted } from "./pool/weighted.ts";
import { roundRobin } from "./pool/round-robin.ts";
import { random } from "./pool/random.ts";
import { failover } from "./route/failover.ts";
import { weightedRoute } from "./route/weighted.ts";
import { geo } from "./route/geo.ts";
import { proximity } from "./route/proximity.ts";

/** Pool policies this version runs; validation rejects the others by name. */
export const POOL_POLICIES: Partial<Record<PoolSteeringName, PoolSteering>> = {
  weighted,
  round_robin: roundRobin,
  random,
};

/** Route policies this version runs; validation rejects the others by name. */
export const ROUTE_POLICIES: Partial<Record<RouteSteeringName, RouteSteering>> = {
  failover,
  weighted: weightedRoute,
  geo,
  proximity,
};
