/**
 * The colos the harness can play: where each Cloudflare edge location is, as request.cf
 * would say it (colo, country, continent, lat/lon of the airport the colo is named after).
 * A colo not listed here can still be played with `colo=XYZ` and no location.
 */

/** One edge location as steering sees it. */
export interface ColoSpec {
  /** IATA code, as `request.cf.colo`. */
  readonly colo: string;
  readonly country?: string;
  readonly continent?: string;
  readonly lat?: number;
  readonly lon?: number;
}

const SPECS: readonly ColoSpec[] = [
  { colo: "FRA", country: "DE", continent: "EU", lat: 50.03, lon: 8.57 },
  { colo: "LHR", country: "GB", continent: "EU", lat: 51.47, lon: -0.45 },
  { colo: "AMS", country: "NL", continent: "EU", lat: 52.31, lon: 4.76 },
  { colo: "CDG", country: "FR", continent: "EU", lat: 49.01, lon: 2.55 },
  { colo: "SIN", country: "SG", continent: "AS", lat: 1.36, lon: 103.99 },
  { colo: "NRT", country: "JP", continent: "AS", lat: 35.77, lon: 140.39 },
  { colo: "BOM", country: "IN", continent: "AS", lat: 19.09, lon: 72.87 },
  { colo: "SYD", country: "AU", continent: "OC", lat: -33.95, lon: 151.18 },
  { colo: "IAD", country: "US", continent: "NA", lat: 38.95, lon: -77.45 },
  { colo: "DFW", country: "US", continent: "NA", lat: 32.9, lon: -97.04 },
  { colo: "SJC", country: "US", continent: "NA", lat: 37.36, lon: -121.93 },
  { colo: "YYZ", country: "CA", continent: "NA", lat: 43.68, lon: -79.63 },
  { colo: "GRU", country: "BR", continent: "SA", lat: -23.43, lon: -46.47 },
  { colo: "JNB", country: "ZA", continent: "AF", lat: -26.14, lon: 28.24 },
];

/** Known colos by code. */
export const COLO_CATALOGUE: ReadonlyMap<string, ColoSpec> = new Map(SPECS.map((s) => [s.colo, s]));

/** The spec for a colo code (upper-cased); a code not in the catalogue gets no location. Throws on a code that is not three letters. */
export function coloSpec(code: string): ColoSpec {
  const colo = code.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(colo)) throw new Error(`colo "${code}" is not a three-letter code (e.g. FRA, SIN, IAD, GRU)`);
  return COLO_CATALOGUE.get(colo) ?? { colo };
}

/** The worker variables that make one `wrangler dev` play a colo (honoured only with EDGEWAY_DEBUG_HEADERS "true"). */
export function coloVars(spec: ColoSpec): Record<string, string> {
  const vars: Record<string, string> = { EDGEWAY_COLO: spec.colo };
  if (spec.country !== undefined) vars["EDGEWAY_COUNTRY"] = spec.country;
  if (spec.continent !== undefined) vars["EDGEWAY_CONTINENT"] = spec.continent;
  if (spec.lat !== undefined) vars["EDGEWAY_LAT"] = String(spec.lat);
  if (spec.lon !== undefined) vars["EDGEWAY_LON"] = String(spec.lon);
  return vars;
}
