/**
 * `proximity` route steering: pools nearest the client first, by great-circle distance
 * from the client to each pool's location (its lat/lon, else the centroid of its
 * origins'). The client is where `request.cf` says (latitude/longitude); without those,
 * at its colo's city, else its country's capital, else its continent's centre
 * (routing/centroids.ts). Pools without a location sort last, in route order. A client
 * of which nothing is known gets `geo`'s order, which is the route's order unless the
 * geo map says otherwise.
 */
import type { CompiledPool, CompiledRoute, Coordinates } from "../../config/compile.ts";
import { locateClient } from "../../routing/centroids/index.ts";
import type { RouteSteering } from "../types.ts";
import { geo } from "./geo.ts";

const EARTH_RADIUS_KM = 6371;

/** Haversine distance in kilometres. */
export function distanceKm(a: Coordinates, b: Coordinates): number {
  const toRad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * toRad;
  const dLon = (b.lon - a.lon) * toRad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * toRad) * Math.cos(b.lat * toRad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Pools of `route` by distance from `here`. */
function byDistance(route: CompiledRoute, here: Coordinates): readonly CompiledPool[] {
  return route.pools
    .map((pool, index) => ({ pool, index, d: pool.location === undefined ? Infinity : distanceKm(here, pool.location) }))
    .sort((a, b) => a.d - b.d || a.index - b.index)
    .map((entry) => entry.pool);
}

/**
 * Orders already worked out, per compiled route, by the client's position rounded to
 * 0.1° (~11 km, far finer than any pool spacing). Clients cluster by city and colo, so
 * nearly every request is a hit; the map is cleared when it reaches ORDER_CACHE_SIZE.
 * Keyed by the route object, so a new config starts afresh.
 */
const orders = new WeakMap<CompiledRoute, Map<string, readonly CompiledPool[]>>();
export const ORDER_CACHE_SIZE = 4_096;

export const proximity: RouteSteering = {
  name: "proximity",
  order(input) {
    const here = locateClient(input.client);
    if (here === undefined) return geo.order(input);
    let cache = orders.get(input.route);
    if (cache === undefined) {
      cache = new Map();
      orders.set(input.route, cache);
    }
    const key = `${Math.round(here.lat * 10)},${Math.round(here.lon * 10)}`;
    let order = cache.get(key);
    if (order === undefined) {
      if (cache.size >= ORDER_CACHE_SIZE) cache.clear();
      order = byDistance(input.route, { lat: Math.round(here.lat * 10) / 10, lon: Math.round(here.lon * 10) / 10 });
      cache.set(key, order);
    }
    return order;
  },
};
