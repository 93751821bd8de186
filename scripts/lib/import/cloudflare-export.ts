/**
 * `edgeway export --to cloudflare`: an Edgeway config as Cloudflare Load Balancing API
 * objects, `{ monitors, pools, load_balancers }`, so a user can go back. Ids are Edgeway's
 * ids (the API assigns its own on create; the importer reads names, so import → export →
 * import gives back the same Edgeway config for the fields both sides have). What
 * Cloudflare cannot express is reported like an import's losses.
 */
import type { Config } from "../../../src/config/schema.ts";
import { parseGeoKey } from "../../../src/routing/geo-key.ts";
import { DropLog } from "./model.ts";
import type { Dropped } from "./model.ts";
import { REGION_CONTINENT } from "./cloudflare.ts";

export interface CloudflareExport {
  readonly document: { monitors: unknown[]; pools: unknown[]; load_balancers: unknown[] };
  readonly dropped: readonly Dropped[];
}

const ROUTE_POLICY: Record<Config["routes"][number]["steering"], string> = {
  failover: "off",
  weighted: "random",
  geo: "geo",
  proximity: "proximity",
  latency: "dynamic_latency",
  least_outstanding: "least_outstanding_requests",
};

const POOL_POLICY: Partial<Record<Config["pools"][number]["steering"], string>> = {
  random: "random",
  hash: "hash",
  least_outstanding: "least_outstanding_requests",
};

/** Exports a validated config. */
export function exportCloudflare(config: Config, source = "config"): CloudflareExport {
  const log = new DropLog();
  const monitors = config.monitors.map((m, i) => {
    const path = `monitors[${i}]`;
    const out: Record<string, unknown> = {
      id: m.id,
      description: m.id,
      type: m.type,
      method: m.method,
      path: m.path,
      header: Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, [v]])),
      timeout: Math.max(1, Math.round(m.timeoutMs / 1000)),
      interval: m.intervalSeconds,
      expected_codes: m.expectedCodes,
      follow_redirects: m.followRedirects,
      consecutive_down: m.unhealthyThreshold,
      consecutive_up: m.healthyThreshold,
    };
    if (m.port !== undefined) out["port"] = m.port;
    if (m.expectedBody !== undefined) out["expected_body"] = m.expectedBody;
    if (m.timeoutMs % 1000 !== 0) log.drop(source, `${path}.timeoutMs`, "Cloudflare monitor timeouts are whole seconds: rounded");
    return out;
  });

  const origins = new Map(config.origins.map((o) => [o.id, o]));
  const pools = config.pools.map((p, i) => {
    const path = `pools[${i}]`;
    const monitor = config.monitors.find((m) => m.id === p.monitor);
    const out: Record<string, unknown> = {
      id: p.id,
      name: p.id,
      enabled: true,
      minimum_origins: p.minHealthy,
      origins: p.origins.map((id) => {
        const o = origins.get(id);
        if (o === undefined) return { name: id };
        const url = new URL(o.url);
        const wanted = monitor?.type === "http" ? "http:" : "https:";
        if (url.protocol !== wanted)
          log.drop(
            source,
            `origins.${id}.url`,
            `Cloudflare origins speak the pool monitor's scheme (${wanted.slice(0, -1)}): ${url.protocol.slice(0, -1)} lost`,
          );
        if (url.port !== "") log.drop(source, `origins.${id}.url`, "Cloudflare origins take the request's port: port lost");
        if (url.pathname !== "/") log.drop(source, `origins.${id}.url`, "Cloudflare origins are addresses: path lost");
        const origin: Record<string, unknown> = {
          name: o.id,
          address: url.hostname.replace(/^\[|\]$/g, ""),
          weight: o.weight,
          enabled: o.enabled,
        };
        const host = (o as { host?: unknown }).host;
        if (typeof host === "string") origin["header"] = { Host: [host] };
        if (o.region !== undefined)
          log.drop(source, `origins.${id}.region`, "Cloudflare origins carry no region (pool latitude/longitude do)");
        return origin;
      }),
    };
    if (p.monitor !== undefined) out["monitor"] = p.monitor;
    if (p.lat !== undefined && p.lon !== undefined) Object.assign(out, { latitude: p.lat, longitude: p.lon });
    // Edgeway's default, weighted, is left to Cloudflare's default (random ∝ weight), so it imports back as weighted.
    const policy = POOL_POLICY[p.steering];
    if (policy === undefined && p.steering !== "weighted")
      log.drop(source, `${path}.steering`, `${p.steering} has no Cloudflare endpoint steering: Cloudflare's default (random by weight)`);
    if (policy !== undefined) out["origin_steering"] = { policy };
    if (p.steering === "hash" && !(p.hash !== undefined && "source" in p.hash))
      log.drop(source, `${path}.hash`, "Cloudflare hashes on the client IP only");
    if (p.panicThreshold !== 0.5) log.drop(source, `${path}.panicThreshold`, "no Cloudflare equivalent");
    if (p.registration !== undefined) log.drop(source, `${path}.registration`, "Cloudflare pools take no self-registered origins");
    if (p.loadAware?.enabled === true)
      log.drop(source, `${path}.loadAware`, "Cloudflare does not read origins' load reports: the configured weights");
    return out;
  });

  const loadBalancers = config.routes.map((r, i) => {
    const path = `routes[${i}]`;
    if (r.match.pathPrefix !== "/") log.drop(source, `${path}.match.pathPrefix`, "Cloudflare load balancers match a host name only");
    const out: Record<string, unknown> = {
      id: r.id,
      name: r.match.host,
      enabled: true,
      default_pools: r.pools,
      fallback_pool: r.fallbackPool ?? r.pools[r.pools.length - 1],
      steering_policy: ROUTE_POLICY[r.steering],
    };
    if (r.weights !== undefined) out["random_steering"] = { pool_weights: r.weights, default_weight: 1 };
    if (r.geo !== undefined) {
      const regionPools: Record<string, string[]> = {};
      const countryPools: Record<string, string[]> = {};
      const popPools: Record<string, string[]> = {};
      for (const [key, pools] of Object.entries(r.geo)) {
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
      Object.assign(out, { region_pools: regionPools, country_pools: countryPools, pop_pools: popPools });
    }
    if (r.affinity !== undefined) {
      out["session_affinity"] = r.affinity.type === "header" ? "header" : "cookie";
      if (r.affinity.type === "ip") log.drop(source, `${path}.affinity.type`, "Cloudflare has no IP-hash affinity: cookie");
      out["session_affinity_ttl"] = r.affinity.ttlSeconds;
      const attrs: Record<string, unknown> = { zero_downtime_failover: r.affinity.onFailure };
      if (r.affinity.type === "header" && r.affinity.name !== undefined) attrs["headers"] = [r.affinity.name];
      out["session_affinity_attributes"] = attrs;
    }
    if (r.hedge !== undefined) log.drop(source, `${path}.hedge`, "no Cloudflare equivalent");
    return out;
  });
  return { document: { monitors, pools, load_balancers: loadBalancers }, dropped: log.items };
}
