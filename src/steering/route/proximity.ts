/**
 * `proximity` route steering: pools nearest the client first, by great-circle distance
 * from the client's coordinates to each pool's location (its lat/lon, else the centroid
 * of its origins'). Without client coordinates it behaves as `geo`; pools without a
 * location sort last, in route order.
 */
import type { Coordinates } from "../../config/compile.ts";
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
    const { route, client } = input;
    if (client.lat === undefined || client.lon === undefined) return geo.order(input);
    const here = { lat: client.lat, lon: client.lon };
    return route.pools
      .map((pool, index) => ({ pool, index, d: pool.location === undefined ? Infinity : distanceKm(here, pool.location) }))
      .sort((a, b) => a.d - b.d || a.index - b.index)
      .map((entry) => entry.pool);
  },
};
