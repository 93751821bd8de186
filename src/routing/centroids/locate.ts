/** Where a client probably is: its own coordinates, else its colo's, country's or continent's centroid. */
import type { ClientInfo } from "../client.ts";
import { COLO_CENTROIDS } from "./colos.ts";
import { CONTINENT_CENTROIDS } from "./continents.ts";
import { COUNTRY_CENTROIDS } from "./countries.ts";
import type { Point } from "./point.ts";

/** A located client: where, and which of its fields said so. */
export interface ClientLocation {
  readonly lat: number;
  readonly lon: number;
  readonly source: "coordinates" | "colo" | "country" | "continent";
}

function lookup(table: Readonly<Record<string, Point>>, code: string | undefined): Point | undefined {
  if (code === undefined) return undefined;
  const key = code.toUpperCase();
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function usable(lat: number | undefined, lon: number | undefined): boolean {
  return (
    lat !== undefined && lon !== undefined && Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180
  );
}

/**
 * The best point known for the client: its own lat/lon, else its colo's city, else its
 * country's capital, else its continent's centre; undefined when none is known.
 */
export function locateClient(client: ClientInfo): ClientLocation | undefined {
  const { lat, lon } = client;
  if (usable(lat, lon) && lat !== undefined && lon !== undefined) return { lat, lon, source: "coordinates" };
  const colo = lookup(COLO_CENTROIDS, client.colo);
  if (colo !== undefined) return { lat: colo[0], lon: colo[1], source: "colo" };
  const country = lookup(COUNTRY_CENTROIDS, client.country);
  if (country !== undefined) return { lat: country[0], lon: country[1], source: "country" };
  const continent = lookup(CONTINENT_CENTROIDS, client.continent);
  if (continent !== undefined) return { lat: continent[0], lon: continent[1], source: "continent" };
  return undefined;
}
