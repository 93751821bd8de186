/**
 * Keys of a route's `geo` map. One map holds three kinds of key, and the two-letter
 * continent codes collide with countries (NA is North America and Namibia), so:
 * a bare continent code means the continent; "country:XX" names any country
 * explicitly; other two-letter keys are countries (ISO 3166-1 alpha-2); three-letter
 * keys are Cloudflare colos (IATA codes). "continent:", "country:" and "colo:"
 * prefixes are accepted on every kind.
 */

/** Cloudflare's `request.cf.continent` values. */
export const CONTINENTS = new Set(["AF", "AN", "AS", "EU", "NA", "OC", "SA"]);

export type GeoKeyKind = "colo" | "country" | "continent";

/** A geo map key read into its kind and upper-case code. */
export interface GeoKey {
  readonly kind: GeoKeyKind;
  readonly code: string;
}

/** Reads a geo map key; undefined when it is none of the three kinds. */
export function parseGeoKey(key: string): GeoKey | undefined {
  const colon = key.indexOf(":");
  if (colon >= 0) {
    const kind = key.slice(0, colon).toLowerCase();
    const code = key.slice(colon + 1).toUpperCase();
    if (kind === "continent" && CONTINENTS.has(code)) return { kind, code };
    if (kind === "country" && /^[A-Z]{2}$/.test(code)) return { kind, code };
    if (kind === "colo" && /^[A-Z]{3}$/.test(code)) return { kind, code };
    return undefined;
  }
  const code = key.toUpperCase();
  if (CONTINENTS.has(code)) return { kind: "continent", code };
  if (/^[A-Z]{2}$/.test(code)) return { kind: "country", code };
  if (/^[A-Z]{3}$/.test(code)) return { kind: "colo", code };
  return undefined;
}
