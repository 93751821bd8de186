/**
 * What steering knows about the client: where it is and who it is. Read from
 * `request.cf` (absent in local dev and previews: every field may be missing), or, when
 * EDGEWAY_DEBUG_HEADERS is "true", from the `x-edgeway-debug-geo` header.
 */

/** The client as steering sees it. Every field may be missing. */
export interface ClientInfo {
  readonly ip?: string | undefined;
  readonly colo?: string | undefined;
  readonly country?: string | undefined;
  readonly continent?: string | undefined;
  readonly lat?: number | undefined;
  readonly lon?: number | undefined;
}

export const DEBUG_GEO_HEADER = "x-edgeway-debug-geo";

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value.toUpperCase() : undefined;
}

function coordinate(value: unknown, limit: number): number | undefined {
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
  return Number.isFinite(n) && Math.abs(n) <= limit ? n : undefined;
}

function field(cf: object, name: string): unknown {
  return name in cf ? (cf as Record<string, unknown>)[name] : undefined;
}

/**
 * Reads the client's location from `request.cf`, tolerating a missing object or field
 * and values that arrive as strings ("52.52") or numbers.
 */
export function clientFromCf(cf: unknown, ip: string | undefined): ClientInfo {
  if (typeof cf !== "object" || cf === null) return { ip };
  return {
    ip,
    colo: text(field(cf, "colo")),
    country: text(field(cf, "country")),
    continent: text(field(cf, "continent")),
    lat: coordinate(field(cf, "latitude"), 90),
    lon: coordinate(field(cf, "longitude"), 180),
  };
}

/**
 * The client as `clientFromCf` reads it, with `request.cf` read only when a location field
 * is first asked for. The runtime builds `request.cf` on first access, which costs the
 * request path several µs, and only some steering (geo, proximity) and some reports
 * (the colo, every few seconds) look at where the client is.
 */
export class LazyCfClient implements ClientInfo {
  readonly ip: string | undefined;
  readonly #source: { readonly cf?: unknown };
  #location: ClientInfo | undefined;

  constructor(source: { readonly cf?: unknown }, ip: string | undefined) {
    this.#source = source;
    this.ip = ip;
  }

  #read(): ClientInfo {
    this.#location ??= clientFromCf(this.#source.cf ?? null, this.ip);
    return this.#location;
  }

  get colo(): string | undefined {
    return this.#read().colo;
  }

  get country(): string | undefined {
    return this.#read().country;
  }

  get continent(): string | undefined {
    return this.#read().continent;
  }

  get lat(): number | undefined {
    return this.#read().lat;
  }

  get lon(): number | undefined {
    return this.#read().lon;
  }
}

/** A debug geo header that could not be read: the message names the bad part. */
export class DebugGeoError extends Error {
  override readonly name = "DebugGeoError";
}

const DEBUG_KEYS = new Set(["country", "continent", "colo", "lat", "lon"]);

/**
 * Reads `country=DE; continent=EU; lat=52.52; lon=13.40` (and `colo=FRA`).
 * Throws DebugGeoError naming the bad part, so the client gets a 400, not a guess.
 */
export function parseDebugGeo(header: string, ip: string | undefined): ClientInfo {
  const fields: Record<string, string> = {};
  for (const part of header.split(";")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? "" : part.slice(eq + 1).trim();
    if (!DEBUG_KEYS.has(key)) throw new DebugGeoError(`${DEBUG_GEO_HEADER}: unknown key "${key}" (use country, continent, colo, lat, lon)`);
    if (value === "") throw new DebugGeoError(`${DEBUG_GEO_HEADER}: "${key}" has no value`);
    fields[key] = value;
  }
  const lat = fields.lat === undefined ? undefined : coordinate(fields.lat, 90);
  const lon = fields.lon === undefined ? undefined : coordinate(fields.lon, 180);
  if (fields.lat !== undefined && lat === undefined) throw new DebugGeoError(`${DEBUG_GEO_HEADER}: lat must be a number from -90 to 90`);
  if (fields.lon !== undefined && lon === undefined) throw new DebugGeoError(`${DEBUG_GEO_HEADER}: lon must be a number from -180 to 180`);
  if (fields.country !== undefined && !/^[A-Za-z]{2}$/.test(fields.country))
    throw new DebugGeoError(`${DEBUG_GEO_HEADER}: country must be a two-letter code`);
  if (fields.continent !== undefined && !/^[A-Za-z]{2}$/.test(fields.continent))
    throw new DebugGeoError(`${DEBUG_GEO_HEADER}: continent must be a two-letter code`);
  if (fields.colo !== undefined && !/^[A-Za-z]{3}$/.test(fields.colo))
    throw new DebugGeoError(`${DEBUG_GEO_HEADER}: colo must be a three-letter code`);
  return {
    ip,
    country: fields.country?.toUpperCase(),
    continent: fields.continent?.toUpperCase(),
    colo: fields.colo?.toUpperCase(),
    lat,
    lon,
  };
}
