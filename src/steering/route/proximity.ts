/**
 * `proximity` route steering: pools nearest the client first, by great-circle distance
 * from the client to each pool's location (its lat/lon, else the centroid of its
 * origins'). The client is where `request.cf` says (latitude/longitude); without those,
 * at its colo's city, else its country's capital, else its continent's centre
 * (routing/centroids.ts). Pools without a location sort last, in route order. A client
 * of which nothing is known gets `geo`'s order, which is the route's order unless the
 * geo map says otherwise.
 */
import type { Coordinates } from "../../config/compile.ts";
import { locateClient } from "../../routing/centroids.ts";
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

export const proximity: RouteSteering = {
  name: "proximity",
  order(input) {
    const here = locateClient(input.client);
    if (here === undefined) return geo.order(input);
    return input.route.pools
      .map((pool, index) => ({ pool, index, d: pool.location === undefined ? Infinity : distanceKm(here, pool.location) }))
      .sort((a, b) => a.d - b.d || a.index - b.index)
      .map((entry) => entry.pool);
  },
};
