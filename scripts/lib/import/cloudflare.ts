/**
 * `edgeway import --from cloudflare`: load balancers, pools and monitors as the Cloudflare
 * API returns them (`{ "result": … }` envelopes, bare objects or arrays, or one bundle
 * `{ "load_balancers", "pools", "monitors" }`) into routes, pools, origins and monitors.
 *
 * Cloudflare's words map almost one to one (DESIGN.md's table): a load balancer is a
 * route on its host name, a pool a pool, an endpoint an origin, a monitor a monitor.
 * Cloudflare's 13 steering regions are coarser or finer than Edgeway's continents: two
 * regions of one continent with different pools keep the first and report the other.
 */
import { OriginSchema } from "../../../src/config/schema.ts";
import { BOOKKEEPING, importMonitors } from "./cloudflare-monitors.ts";
import type { CloudflareItem } from "./cloudflare-monitors.ts";
import type { ConfigInput } from "../../../src/config/schema.ts";
import { IdAllocator } from "./ids.ts";
import { DropLog, dropUnhandled, ImportError, list, num, record, text } from "./model.ts";
import type { ImportResult, SourceDocument } from "./model.ts";

type OriginIn = ConfigInput["origins"][number];
type PoolIn = ConfigInput["pools"][number];
type RouteIn = ConfigInput["routes"][number];

/** Cloudflare's steering regions and the continent each lies in. */
export const REGION_CONTINENT: Record<string, string> = {
  WNAM: "NA",
  ENAM: "NA",
  WEU: "EU",
  EEU: "EU",
  NSAM: "SA",
  SSAM: "SA",
  OC: "OC",
  ME: "AS",
  NAF: "AF",
  SAF: "AF",
  SAS: "AS",
  SEAS: "AS",
  NEAS: "AS",
};

/** Cloudflare load balancer steering policies as Edgeway route steering. */
const ROUTE_STEERING: Record<string, RouteIn["steering"]> = {
  "": "failover",
  off: "failover",
  random: "weighted",
  geo: "geo",
  dynamic_latency: "latency",
  proximity: "proximity",
  least_outstanding_requests: "least_outstanding",
  least_connections: "least_outstanding",
};

/** Cloudflare endpoint steering as Edgeway pool steering. */
const POOL_STEERING: Record<string, PoolIn["steering"]> = {
  random: "random",
  hash: "hash",
  least_outstanding_requests: "least_outstanding",
  least_connections: "least_outstanding",
};

type Kind = "load_balancer" | "pool" | "monitor";

type Item = CloudflareItem<Kind>;

function kindOf(value: Record<string, unknown>): Kind | undefined {
  if ("default_pools" in value || "fallback_pool" in value) return "load_balancer";
  if ("origins" in value) return "pool";
  if ("expected_codes" in value || ("type" in value && "interval" in value)) return "monitor";
  return undefined;
}

/** Every load balancer, pool and monitor in the documents, whatever envelope they came in. */
function collect(docs: readonly SourceDocument[]): Item[] {
  const items: Item[] = [];
  const add = (value: unknown, source: string, path: string, expected?: Kind): void => {
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) add(v, source, `${path}[${i}]`, expected);
      return;
    }
    const object = record(value);
    if (object === undefined) throw new ImportError(`${source}: ${path || "the document"} is not a JSON object or array`);
    if ("result" in object && !("origins" in object)) {
      add(object["result"], source, path === "" ? "result" : `${path}.result`, expected);
      return;
    }
    const bundle = ["load_balancers", "pools", "monitors"].filter((k) => k in object);
    if (bundle.length > 0) {
      const prefix = path === "" ? "" : `${path}.`;
      add(object["monitors"] ?? [], source, `${prefix}monitors`, "monitor");
      add(object["pools"] ?? [], source, `${prefix}pools`, "pool");
      add(object["load_balancers"] ?? [], source, `${prefix}load_balancers`, "load_balancer");
      return;
    }
    const kind = kindOf(object) ?? expected;
    if (kind === undefined)
      throw new ImportError(
        `${source}: ${path || "the document"} is not a Cloudflare load balancer, pool or monitor (no default_pools, origins or type)`,
      );
    items.push({ kind, source, path, value: object });
  };
  for (const doc of docs) add(doc.value, doc.source, "");
  return items;
}

/** `https://203.0.113.10`, `http://[2001:db8::1]`: Cloudflare origins are addresses; the scheme follows the pool's monitor. */
function originUrl(address: string, scheme: string): string {
  return `${scheme}://${address.includes(":") && !address.startsWith("[") ? `[${address}]` : address}`;
}

/** Imports Cloudflare Load Balancing documents. */
export function importCloudflare(docs: readonly SourceDocument[]): ImportResult {
  const log = new DropLog();
  const items = collect(docs);
  const poolIds = new IdAllocator();
  const originIds = new IdAllocator();
  const routeIds = new IdAllocator();

  const { monitors, monitorById } = importMonitors(
    items.filter((i) => i.kind === "monitor"),
    log,
  );
  const origins: OriginIn[] = [];
  const pools: PoolIn[] = [];
  const poolById = new Map<string, string>();
  for (const item of items.filter((i) => i.kind === "pool")) {
    const p = item.value;
    const cfId = text(p["id"]) ?? text(p["name"]) ?? `pool-${pools.length + 1}`;
    const id = poolIds.take(text(p["name"]) ?? cfId);
    poolById.set(cfId, id);
    if (text(p["name"]) !== undefined) poolById.set(text(p["name"]) ?? "", id);
    const monitorRef = text(p["monitor"]);
    const monitor = monitorRef === undefined ? undefined : monitorById.get(monitorRef);
    if (monitorRef !== undefined && monitor === undefined)
      throw new ImportError(`${item.source}: ${item.path}.monitor ${monitorRef} names no monitor given`);
    const scheme = monitor?.type === "http" ? "http" : "https";
    if (monitor === undefined || monitor.type === "tcp")
      log.drop(item.source, `${item.path}.origins`, "no HTTP(S) monitor says which scheme the origins speak: https assumed");
    const members: string[] = [];
    list(p["origins"]).forEach((o, i) => {
      const origin = record(o) ?? {};
      const path = `${item.path}.origins[${i}]`;
      const address = text(origin["address"]);
      if (address === undefined) throw new ImportError(`${item.source}: ${path} has no address`);
      const originId = originIds.take(text(origin["name"]) ?? `${id}-${i + 1}`);
      const out: Record<string, unknown> = { id: originId, url: originUrl(address, scheme) };
      const weight = num(origin["weight"]);
      if (weight !== undefined) out["weight"] = weight;
      if (origin["enabled"] === false) out["enabled"] = false;
      const host = list(record(origin["header"])?.["Host"])[0];
      if (typeof host === "string") {
        if ("host" in OriginSchema.shape) out["host"] = host;
        else log.drop(item.source, `${path}.header.Host`, "this Edgeway version has no per-origin Host override");
      }
      dropUnhandled(log, item.source, path, origin, ["name", "address", "weight", "enabled", "header"]);
      const headers = record(origin["header"]);
      if (headers !== undefined) dropUnhandled(log, item.source, `${path}.header`, headers, ["Host"]);
      origins.push(out as OriginIn);
      members.push(originId);
    });
    if (members.length === 0) throw new ImportError(`${item.source}: ${item.path} (${id}) has no origins`);
    const pool: Record<string, unknown> = { id, origins: members };
    if (monitor !== undefined) pool["monitor"] = monitor.id;
    const minimum = num(p["minimum_origins"]);
    if (minimum !== undefined) pool["minHealthy"] = Math.max(1, minimum);
    const lat = num(p["latitude"]);
    const lon = num(p["longitude"]);
    if (lat !== undefined && lon !== undefined && !(lat === 0 && lon === 0)) Object.assign(pool, { lat, lon });
    const policy = text(record(p["origin_steering"])?.["policy"]);
    if (policy !== undefined) {
      const steering = POOL_STEERING[policy];
      if (steering === undefined) log.drop(item.source, `${item.path}.origin_steering.policy`, `${policy} has no Edgeway equivalent`);
      else {
        pool["steering"] = steering;
        if (steering === "hash") pool["hash"] = { source: "ip" };
        if (policy === "least_connections")
          log.drop(
            item.source,
            `${item.path}.origin_steering.policy`,
            "least_connections imported as least_outstanding (requests, not connections)",
          );
      }
    }
    if (p["enabled"] === false)
      log.drop(
        item.source,
        `${item.path}.enabled`,
        "a disabled pool has no Edgeway equivalent: its origins were imported with enabled: false",
      );
    if (p["enabled"] === false)
      for (const o of origins.filter((x) => members.includes(x.id))) (o as Record<string, unknown>)["enabled"] = false;
    const regions = list(p["check_regions"]);
    if (regions.length > 0)
      log.drop(item.source, `${item.path}.check_regions`, "probe regions are set on Edgeway monitors (regions), not pools");
    dropUnhandled(log, item.source, item.path, p, [
      ...BOOKKEEPING,
      "origins",
      "monitor",
      "minimum_origins",
      "latitude",
      "longitude",
      "origin_steering",
      "enabled",
      "check_regions",
    ]);
    pools.push(pool as PoolIn);
  }

  const routes: RouteIn[] = [];
  const hosts = new Map<string, string>();
  for (const item of items.filter((i) => i.kind === "load_balancer")) {
    const lb = item.value;
    const name = text(lb["name"]) ?? "*";
    const owner = hosts.get(name);
    if (owner !== undefined) throw new ImportError(`${item.source}: load balancer ${name} conflicts with ${owner} (same host name)`);
    hosts.set(name, `${item.source} ${item.path}`);
    const poolRef = (ref: unknown, path: string): string => {
      const pool = typeof ref === "string" ? poolById.get(ref) : undefined;
      if (pool === undefined)
        throw new ImportError(`${item.source}: ${path} names pool ${JSON.stringify(ref)}, which no pool document defines`);
      return pool;
    };
    const defaults = list(lb["default_pools"]).map((r, i) => poolRef(r, `${item.path}.default_pools[${i}]`));
    if (defaults.length === 0) throw new ImportError(`${item.source}: ${item.path} (${name}) has no default_pools`);
    const policyName = text(lb["steering_policy"]) ?? "";
    const steering = ROUTE_STEERING[policyName];
    const route: Record<string, unknown> = {
      id: routeIds.take(name === "*" ? "default" : name),
      match: { host: name, pathPrefix: "/" },
      pools: defaults,
    };
    if (steering === undefined)
      log.drop(item.source, `${item.path}.steering_policy`, `${policyName} has no Edgeway equivalent: failover order used`);
    else route["steering"] = steering;
    if (policyName === "least_connections")
      log.drop(item.source, `${item.path}.steering_policy`, "least_connections imported as least_outstanding");
    const fallback = lb["fallback_pool"];
    if (fallback !== undefined) route["fallbackPool"] = poolRef(fallback, `${item.path}.fallback_pool`);

    const geo: Record<string, string[]> = {};
    for (const [region, refs] of Object.entries(record(lb["region_pools"]) ?? {})) {
      const continent = REGION_CONTINENT[region];
      const pools = list(refs).map((r, i) => poolRef(r, `${item.path}.region_pools.${region}[${i}]`));
      if (continent === undefined) {
        log.drop(item.source, `${item.path}.region_pools.${region}`, `unknown Cloudflare region ${region}`);
        continue;
      }
      const key = `continent:${continent}`;
      const earlier = geo[key];
      if (earlier !== undefined && earlier.join() !== pools.join()) {
        log.drop(
          item.source,
          `${item.path}.region_pools.${region}`,
          `Edgeway steers by continent: ${continent} keeps the pools of an earlier region`,
        );
        continue;
      }
      geo[key] = pools;
    }
    for (const [country, refs] of Object.entries(record(lb["country_pools"]) ?? {}))
      geo[`country:${country.toUpperCase()}`] = list(refs).map((r, i) => poolRef(r, `${item.path}.country_pools.${country}[${i}]`));
    for (const [pop, refs] of Object.entries(record(lb["pop_pools"]) ?? {}))
      geo[`colo:${pop.toUpperCase()}`] = list(refs).map((r, i) => poolRef(r, `${item.path}.pop_pools.${pop}[${i}]`));
    if (Object.keys(geo).length > 0) {
      route["geo"] = geo;
      if (steering !== "geo" && steering !== undefined)
        log.drop(
          item.source,
          `${item.path}.region_pools`,
          `used only by geo steering in Edgeway; this load balancer steers by ${policyName || "off"}`,
        );
    }
    const random = record(lb["random_steering"]);
    if (random !== undefined) {
      const weights: Record<string, number> = {};
      const fallbackWeight = num(random["default_weight"]) ?? 1;
      for (const pool of defaults) weights[pool] = fallbackWeight;
      for (const [ref, w] of Object.entries(record(random["pool_weights"]) ?? {}))
        weights[poolRef(ref, `${item.path}.random_steering.pool_weights`)] = num(w) ?? fallbackWeight;
      route["weights"] = weights;
    }
    const affinityType = text(lb["session_affinity"]);
    if (affinityType !== undefined && affinityType !== "none" && affinityType !== "") {
      const attrs = record(lb["session_affinity_attributes"]) ?? {};
      const affinity: Record<string, unknown> = { type: affinityType === "header" ? "header" : "cookie" };
      if (affinityType === "ip_cookie") log.drop(item.source, `${item.path}.session_affinity`, "ip_cookie imported as cookie affinity");
      const headerNames = list(attrs["headers"]).map(String);
      if (affinityType === "header") {
        if (headerNames[0] === undefined)
          throw new ImportError(`${item.source}: ${item.path} has header affinity but no session_affinity_attributes.headers`);
        affinity["name"] = headerNames[0];
        if (headerNames.length > 1)
          log.drop(
            item.source,
            `${item.path}.session_affinity_attributes.headers`,
            "Edgeway keys header affinity on one header: the first",
          );
      }
      const ttl = num(lb["session_affinity_ttl"]);
      if (ttl !== undefined) affinity["ttlSeconds"] = ttl;
      const failover = text(attrs["zero_downtime_failover"]);
      if (failover !== undefined) affinity["onFailure"] = failover;
      dropUnhandled(
        log,
        item.source,
        `${item.path}.session_affinity_attributes`,
        attrs,
        ["headers", "zero_downtime_failover"],
        "cookie attributes and drain duration are Edgeway's own",
      );
      route["affinity"] = affinity;
    }
    if (lb["adaptive_routing"] !== undefined)
      log.drop(
        item.source,
        `${item.path}.adaptive_routing`,
        "Edgeway retries on the next origin by the route's retries (default: one retry)",
      );
    if (lb["enabled"] === false) log.drop(item.source, `${item.path}.enabled`, "a disabled load balancer was imported as an active route");
    dropUnhandled(log, item.source, item.path, lb, [
      ...BOOKKEEPING,
      "default_pools",
      "fallback_pool",
      "steering_policy",
      "region_pools",
      "country_pools",
      "pop_pools",
      "random_steering",
      "session_affinity",
      "session_affinity_ttl",
      "session_affinity_attributes",
      "adaptive_routing",
      "enabled",
    ]);
    routes.push(route as RouteIn);
  }
  if (routes.length === 0) throw new ImportError("nothing to import: no load balancer (an object with default_pools) was given");
  return { config: { origins, monitors, pools, routes }, dropped: log.items };
}
