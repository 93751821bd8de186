/**
 * Turns a validated config into the shapes the request path reads: look-up maps,
 * resolved coordinates, the route table. Done once per config version, never per request.
 */
import type { Config, Monitor, Origin, Pool, Route } from "./schema.ts";
import { lookupRegion } from "./regions.ts";
import { parseGeoKey } from "../routing/geo-key.ts";
import type { GeoKeyKind } from "../routing/geo-key.ts";
import { compileRouteTable } from "../routing/match.ts";
import { parseOriginBase } from "./origin-url.ts";
import type { OriginBase } from "./origin-url.ts";
import { poolKey } from "../steering/latency.ts";
import type { RouteTable } from "../routing/match.ts";

/** An origin with its coordinates resolved (its own lat/lon, else its region's) and its URL split for joining. */
export interface CompiledOrigin extends Origin {
  readonly location: Coordinates | undefined;
  readonly base: OriginBase;
}

export interface Coordinates {
  readonly lat: number;
  readonly lon: number;
}

export interface CompiledPool {
  readonly id: string;
  /** The pool's key in latency and load signals: `pool:<id>` (origin ids cannot contain ":"). */
  readonly key: string;
  /** Summed weight of the enabled origins: the pool's share of capacity. */
  readonly capacity: number;
  readonly source: Pool;
  readonly origins: readonly CompiledOrigin[];
  readonly monitor: Monitor | undefined;
  /** The pool's lat/lon, else the mean of its origins' locations. */
  readonly location: Coordinates | undefined;
}

export interface CompiledRoute {
  readonly id: string;
  readonly match: Route["match"];
  readonly source: Route;
  readonly pools: readonly CompiledPool[];
  /** Pool weights for `weighted` route steering, aligned with `pools` (1 each when unset). */
  readonly poolWeights: readonly number[];
  readonly fallback: CompiledPool | undefined;
  /**
   * `geo` map by key kind: code → the full pool order for such a client (the entry's
   * pools, then the route's other pools in order), built here once, not per request.
   */
  readonly geo: Readonly<Record<GeoKeyKind, ReadonlyMap<string, readonly CompiledPool[]>>>;
}

export interface CompiledConfig {
  readonly version: number;
  readonly config: Config;
  readonly origins: ReadonlyMap<string, CompiledOrigin>;
  readonly pools: ReadonlyMap<string, CompiledPool>;
  readonly routes: readonly CompiledRoute[];
  readonly table: RouteTable<CompiledRoute>;
}

function originLocation(origin: Origin): Coordinates | undefined {
  if (origin.lat !== undefined && origin.lon !== undefined) return { lat: origin.lat, lon: origin.lon };
  const region = origin.region === undefined ? undefined : lookupRegion(origin.region);
  return region === undefined ? undefined : { lat: region.lat, lon: region.lon };
}

/** Mean position on the sphere, so pools spanning the antimeridian average correctly. */
export function centroid(points: readonly Coordinates[]): Coordinates | undefined {
  if (points.length === 0) return undefined;
  let x = 0;
  let y = 0;
  let z = 0;
  for (const p of points) {
    const lat = (p.lat * Math.PI) / 180;
    const lon = (p.lon * Math.PI) / 180;
    x += Math.cos(lat) * Math.cos(lon);
    y += Math.cos(lat) * Math.sin(lon);
    z += Math.sin(lat);
  }
  const lon = Math.atan2(y, x);
  const lat = Math.atan2(z, Math.hypot(x, y));
  return { lat: (lat * 180) / Math.PI, lon: (lon * 180) / Math.PI };
}

function mustGet<V>(map: ReadonlyMap<string, V>, key: string, what: string): V {
  const value = map.get(key);
  // Unreachable after validateConfig; kept so a bug surfaces as a clear message.
  if (value === undefined) throw new Error(`config refers to unknown ${what} "${key}"`);
  return value;
}

/** Compiles a config that validateConfig accepted. */
export function compileConfig(config: Config, version: number): CompiledConfig {
  const origins = new Map<string, CompiledOrigin>();
  for (const origin of config.origins)
    origins.set(origin.id, { ...origin, location: originLocation(origin), base: parseOriginBase(origin.url) });
  const monitors = new Map(config.monitors.map((m) => [m.id, m] as const));

  const pools = new Map<string, CompiledPool>();
  for (const pool of config.pools) {
    const members = pool.origins.map((id) => mustGet(origins, id, "origin"));
    const own = pool.lat !== undefined && pool.lon !== undefined ? { lat: pool.lat, lon: pool.lon } : undefined;
    const located = members.flatMap((o) => (o.location === undefined ? [] : [o.location]));
    pools.set(pool.id, {
      id: pool.id,
      key: poolKey(pool.id),
      capacity: members.reduce((sum, o) => sum + (o.enabled ? o.weight : 0), 0),
      source: pool,
      origins: members,
      monitor: pool.monitor === undefined ? undefined : mustGet(monitors, pool.monitor, "monitor"),
      location: own ?? centroid(located),
    });
  }

  const routes = config.routes.map((route): CompiledRoute => {
    const routePools = route.pools.map((id) => mustGet(pools, id, "pool"));
    const geo = {
      colo: new Map<string, CompiledPool[]>(),
      country: new Map<string, CompiledPool[]>(),
      continent: new Map<string, CompiledPool[]>(),
    };
    for (const [key, ids] of Object.entries(route.geo ?? {})) {
      const parsed = parseGeoKey(key);
      if (parsed === undefined) continue;
      const preferred = ids.map((id) => mustGet(pools, id, "pool"));
      geo[parsed.kind].set(parsed.code, [...preferred, ...routePools.filter((p) => !preferred.includes(p))]);
    }
    return {
      id: route.id,
      match: route.match,
      source: route,
      pools: routePools,
      poolWeights: route.pools.map((id) => (route.weights === undefined ? 1 : (route.weights[id] ?? 0))),
      fallback: route.fallbackPool === undefined ? undefined : mustGet(pools, route.fallbackPool, "pool"),
      geo,
    };
  });

  return { version, config, origins, pools, routes, table: compileRouteTable(routes) };
}
