/**
 * The simulator's map: edge locations (colos) at real cities, and the round-trip time
 * from a colo to an origin from the great-circle distance between them (fibre carries
 * light at about 200 km per ms, there and back) plus a per-region base for the hops at
 * both ends. Origin coordinates come from the regions catalogue (src/config/regions.ts),
 * the same one proximity steering reads.
 */
import { lookupRegion } from "../../../src/config/regions.ts";
import type { Coordinates } from "../../../src/config/compile.ts";
import { distanceKm } from "../../../src/steering/route/proximity.ts";

/** One edge location: where its clients are served from. */
export interface Colo {
  /** IATA code, as Cloudflare names its colos. */
  readonly code: string;
  readonly city: string;
  readonly lat: number;
  readonly lon: number;
  readonly country: string;
  readonly continent: string;
}

/** Fourteen colos on six continents, at their airports' coordinates. */
export const COLOS: readonly Colo[] = [
  { code: "FRA", city: "Frankfurt", lat: 50.03, lon: 8.57, country: "DE", continent: "EU" },
  { code: "LHR", city: "London", lat: 51.47, lon: -0.45, country: "GB", continent: "EU" },
  { code: "CDG", city: "Paris", lat: 49.01, lon: 2.55, country: "FR", continent: "EU" },
  { code: "ARN", city: "Stockholm", lat: 59.65, lon: 17.93, country: "SE", continent: "EU" },
  { code: "IAD", city: "Washington", lat: 38.95, lon: -77.45, country: "US", continent: "NA" },
  { code: "ORD", city: "Chicago", lat: 41.97, lon: -87.91, country: "US", continent: "NA" },
  { code: "DFW", city: "Dallas", lat: 32.9, lon: -97.04, country: "US", continent: "NA" },
  { code: "SJC", city: "San Jose", lat: 37.36, lon: -121.93, country: "US", continent: "NA" },
  { code: "SEA", city: "Seattle", lat: 47.45, lon: -122.31, country: "US", continent: "NA" },
  { code: "GRU", city: "São Paulo", lat: -23.43, lon: -46.47, country: "BR", continent: "SA" },
  { code: "NRT", city: "Tokyo", lat: 35.76, lon: 140.39, country: "JP", continent: "AS" },
  { code: "SIN", city: "Singapore", lat: 1.36, lon: 103.99, country: "SG", continent: "AS" },
  { code: "BOM", city: "Mumbai", lat: 19.09, lon: 72.87, country: "IN", continent: "AS" },
  { code: "SYD", city: "Sydney", lat: -33.95, lon: 151.18, country: "AU", continent: "OC" },
];

/** Light in fibre: about two thirds of c, 200 km per ms one way. */
export const FIBRE_KM_PER_MS = 200;

/**
 * Per-region base in ms, by cloud: the hops inside the colo and the region (load balancer,
 * TLS termination at the origin's front door) that distance does not account for.
 */
export const REGION_BASE_MS: Readonly<Record<string, number>> = { aws: 2, gcp: 2.5, azure: 3 };
/** Base for a region not in the catalogue (on-prem). */
export const DEFAULT_BASE_MS = 3;

/** Great-circle distance in km: the haversine proximity steering uses (one formula for both). */
export const greatCircleKm: (a: Coordinates, b: Coordinates) => number = distanceKm;

/** Round trip over `km` of fibre plus a base, in ms. */
export function rttMs(km: number, baseMs: number): number {
  return (2 * km) / FIBRE_KM_PER_MS + baseMs;
}

/** A region's coordinates and base from the catalogue; throws for a name the catalogue lacks (a scenario bug). */
export function regionSite(region: string): { readonly location: Coordinates; readonly baseMs: number } {
  const info = lookupRegion(region);
  if (info === undefined) throw new Error(`simulator: region "${region}" is not in src/config/regions.ts`);
  return { location: { lat: info.lat, lon: info.lon }, baseMs: REGION_BASE_MS[info.cloud] ?? DEFAULT_BASE_MS };
}

/** The colos named by `codes` (all of them when undefined); throws for an unknown code. */
export function colosNamed(codes: readonly string[] | undefined): readonly Colo[] {
  if (codes === undefined) return COLOS;
  return codes.map((code) => {
    const colo = COLOS.find((c) => c.code === code);
    if (colo === undefined) throw new Error(`simulator: unknown colo "${code}"`);
    return colo;
  });
}

/** Round-trip ms from every colo (rows) to every region (columns). */
export function latencyMatrix(colos: readonly Colo[], regions: readonly string[]): number[][] {
  return colos.map((colo) =>
    regions.map((region) => {
      const site = regionSite(region);
      return rttMs(greatCircleKm(colo, site.location), site.baseMs);
    }),
  );
}
