/**
 * An Edgeway route's pools and steering as a Cloudflare load balancer's fields (part of
 * `export --to cloudflare`): default_pools, fallback_pool, steering_policy,
 * random_steering, region/country/pop pools and session affinity. The inverse of
 * cloudflare-lb.ts, used for a load balancer and, as the fields that differ from its
 * load balancer's, for a rule's `overrides`.
 */
import type { Config } from "../../../src/config/schema.ts";
import { parseGeoKey } from "../../../src/routing/geo-key.ts";
import { REGION_CONTINENT } from "./cloudflare-lb.ts";
import type { DropLog } from "./model.ts";

type Route = Config["routes"][number];

const ROUTE_POLICY: Record<Route["steering"], string> = {
  failover: "off",
  weighted: "random",
  geo: "geo",
  proximity: "proximity",
  latency: "dynamic_latency",
  least_outstanding: "least_outstanding_requests",
};

function geoFields(geo: NonNullable<Route["geo"]>, path: string, source: string, log: DropLog): Record<string, unknown> {
  const regionPools: Record<string, string[]> = {};
  const countryPools: Record<string, string[]> = {};
  const popPools: Record<string, string[]> = {};
  for (const [key, pools] of Object.entries(geo)) {
    const parsed = parseGeoKey(key);
    if (parsed === undefined) continue;
    if (parsed.kind === "country") countryPools[parsed.code] = pools;
    else if (parsed.kind === "colo") popPools[parsed.code] = pools;
    else {
      const regions = Object.entries(REGION_CONTINENT).filter(([, c]) => c === parsed.code);
      if (regions.length === 0) log.drop(source, `${path}.geo.${key}`, "no Cloudflare region lies in this continent");
      for (const [region] of regions) regionPools[region] = pools;
    }
  }
  return { region_pools: regionPools, country_pools: countryPools, pop_pools: popPools };
}

/** The load balancer fields a forwarding route's steering says. */
export function routeLbFields(route: Route, path: string, source: string, log: DropLog): Record<string, unknown> {
  const out: Record<string, unknown> = {
    default_pools: route.pools,
    fallback_pool: route.fallbackPool ?? route.pools[route.pools.length - 1],
    steering_policy: ROUTE_POLICY[route.steering],
  };
  if (route.weights !== undefined) out["random_steering"] = { pool_weights: route.weights, default_weight: 1 };
  if (route.geo !== undefined) Object.assign(out, geoFields(route.geo, path, source, log));
  if (route.affinity !== undefined) {
    out["session_affinity"] = route.affinity.type === "header" ? "header" : "cookie";
    if (route.affinity.type === "ip") log.drop(source, `${path}.affinity.type`, "Cloudflare has no IP-hash affinity: cookie");
    out["session_affinity_ttl"] = route.affinity.ttlSeconds;
    const attrs: Record<string, unknown> = { zero_downtime_failover: route.affinity.onFailure };
    if (route.affinity.type === "header" && route.affinity.name !== undefined) attrs["headers"] = [route.affinity.name];
    out["session_affinity_attributes"] = attrs;
  }
  if (route.hedge !== undefined) log.drop(source, `${path}.hedge`, "no Cloudflare equivalent");
  return out;
}
