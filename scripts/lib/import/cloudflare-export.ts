/**
 * `edgeway export --to cloudflare`: an Edgeway config as Cloudflare Load Balancing API
 * objects, `{ monitors, pools, load_balancers }`, so a user can go back. Ids are Edgeway's
 * ids (the API assigns its own on create; the importer reads names, so import → export →
 * import gives back the same Edgeway config for the fields both sides have). Routes that
 * share a host become one load balancer with `rules` (cloudflare-rules/export.ts). What
 * Cloudflare cannot express is reported like an import's losses.
 */
import type { Config } from "../../../src/config/schema.ts";
import { majority } from "../../../src/health/region-quorum.ts";
import { checkRegionsOf } from "./cloudflare-regions.ts";
import { exportLoadBalancers } from "./cloudflare-rules/export.ts";
import { DropLog } from "./model.ts";
import type { Dropped } from "./model.ts";

export interface CloudflareExport {
  readonly document: { monitors: unknown[]; pools: unknown[]; load_balancers: unknown[] };
  readonly dropped: readonly Dropped[];
}

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
    // A TCP check sends no HTTP request: its method is Cloudflare's "connection_established", without HTTP fields.
    const http =
      m.type === "tcp"
        ? { method: "connection_established" }
        : {
            method: m.method,
            path: m.path,
            header: Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, [v]])),
            expected_codes: m.expectedCodes,
            follow_redirects: m.followRedirects,
            ...(m.expectedBody === undefined ? {} : { expected_body: m.expectedBody }),
          };
    const out: Record<string, unknown> = {
      id: m.id,
      description: m.id,
      type: m.type,
      ...http,
      timeout: Math.max(1, Math.round(m.timeoutMs / 1000)),
      interval: m.intervalSeconds,
      consecutive_down: m.unhealthyThreshold,
      consecutive_up: m.healthyThreshold,
    };
    if (m.port !== undefined) out["port"] = m.port;
    if (m.timeoutMs % 1000 !== 0) log.drop(source, `${path}.timeoutMs`, "Cloudflare monitor timeouts are whole seconds: rounded");
    if (m.regionQuorum !== undefined && m.regions !== undefined && m.regionQuorum !== majority(m.regions.length))
      log.drop(source, `${path}.regionQuorum`, "Cloudflare takes an origin down when most regions see it down");
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
        if (url.pathname !== "/") log.drop(source, `origins.${id}.url`, "Cloudflare origins are addresses: path lost");
        // port 0 is the scheme's default, as the API reads it.
        const origin: Record<string, unknown> = {
          name: o.id,
          address: url.hostname.replace(/^\[|\]$/g, ""),
          port: url.port === "" ? 0 : Number(url.port),
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
    // Cloudflare sets probe regions on the pool, Edgeway on the monitor: each pool carries its monitor's.
    if (monitor?.regions !== undefined) out["check_regions"] = checkRegionsOf(monitor.regions, source, `${path}.check_regions`, log);
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

  const loadBalancers = exportLoadBalancers(config, source, log);
  return { document: { monitors, pools, load_balancers: loadBalancers }, dropped: log.items };
}
