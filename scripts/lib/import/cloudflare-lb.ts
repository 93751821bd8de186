/**
 * A Cloudflare load balancer's steering fields as an Edgeway route's (part of `import
 * --from cloudflare`): default_pools, fallback_pool, steering_policy, region_pools,
 * country_pools, pop_pools, random_steering and session affinity. The same reading
 * serves a load balancer and a rule whose `overrides` sit on top of its load balancer's
 * fields, so an override means what the field means on the load balancer.
 */
import type { ConfigInput } from "../../../src/config/schema.ts";
import { dropUnset } from "./cloudflare-fields.ts";
import { ImportError, list, num, record, text } from "./model.ts";
import type { DropLog } from "./model.ts";

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

/** Session affinity attribute values that are what Edgeway's pin cookie does anyway. */
const EDGEWAY_COOKIE: Record<string, readonly unknown[]> = { samesite: ["Auto", "Lax"], secure: ["Auto"], drain_duration: [0] };

/** Cloudflare steering policies that read `random_steering`'s pool weights. */
export const WEIGHTED_POLICIES = ["random", "least_outstanding_requests", "least_connections"];

/** Why a load balancer's (or a rule override's) location_strategy is not carried. */
export const LOCATION_STRATEGY_LOSS =
  "how Cloudflare locates a DNS-only client (resolver or ECS address); Edgeway serves proxied requests and locates the client by the request";

/** The fields lbSettings reads, which a rule's `overrides` may also set. */
export const STEERING_FIELDS = [
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
] as const;

/** Where the fields come from, for messages, and how pool references resolve. */
export interface SettingsContext {
  readonly source: string;
  /** The path of a field in the source document: the load balancer's, or the rule override's that set it. */
  readonly pathOf: (field: string) => string;
  /** The Edgeway pool id a Cloudflare pool reference names; throws ImportError for an unknown one. */
  readonly poolRef: (ref: unknown, path: string) => string;
  readonly log: DropLog;
}

function geoOf(lb: Record<string, unknown>, ctx: SettingsContext): Record<string, string[]> {
  const geo: Record<string, string[]> = {};
  for (const [region, refs] of Object.entries(record(lb["region_pools"]) ?? {})) {
    const continent = REGION_CONTINENT[region];
    const at = `${ctx.pathOf("region_pools")}.${region}`;
    const pools = list(refs).map((r, i) => ctx.poolRef(r, `${at}[${i}]`));
    if (continent === undefined) {
      ctx.log.drop(ctx.source, at, `unknown Cloudflare region ${region}`);
      continue;
    }
    const key = `continent:${continent}`;
    const earlier = geo[key];
    if (earlier !== undefined && earlier.join() !== pools.join()) {
      ctx.log.drop(ctx.source, at, `Edgeway steers by continent: ${continent} keeps the pools of an earlier region`);
      continue;
    }
    geo[key] = pools;
  }
  for (const [country, refs] of Object.entries(record(lb["country_pools"]) ?? {}))
    geo[`country:${country.toUpperCase()}`] = list(refs).map((r, i) => ctx.poolRef(r, `${ctx.pathOf("country_pools")}.${country}[${i}]`));
  for (const [pop, refs] of Object.entries(record(lb["pop_pools"]) ?? {}))
    geo[`colo:${pop.toUpperCase()}`] = list(refs).map((r, i) => ctx.poolRef(r, `${ctx.pathOf("pop_pools")}.${pop}[${i}]`));
  return geo;
}

function affinityOf(lb: Record<string, unknown>, ctx: SettingsContext): Record<string, unknown> | undefined {
  const type = text(lb["session_affinity"]);
  if (type === undefined || type === "none" || type === "") return undefined;
  const attrs = record(lb["session_affinity_attributes"]) ?? {};
  const affinity: Record<string, unknown> = { type: type === "header" ? "header" : "cookie" };
  if (type === "ip_cookie") ctx.log.drop(ctx.source, ctx.pathOf("session_affinity"), "ip_cookie imported as cookie affinity");
  const attrsPath = ctx.pathOf("session_affinity_attributes");
  const headerNames = list(attrs["headers"]).map(String);
  if (type === "header") {
    if (headerNames[0] === undefined)
      throw new ImportError(
        `${ctx.source}: ${ctx.pathOf("session_affinity")} is header affinity but no session_affinity_attributes.headers are given`,
      );
    affinity["name"] = headerNames[0];
    if (headerNames.length > 1) ctx.log.drop(ctx.source, `${attrsPath}.headers`, "Edgeway keys header affinity on one header: the first");
  }
  const ttl = num(lb["session_affinity_ttl"]);
  if (ttl !== undefined) affinity["ttlSeconds"] = ttl;
  const failover = text(attrs["zero_downtime_failover"]);
  if (failover !== undefined) affinity["onFailure"] = failover;
  // require_all_headers decides between several headers; Edgeway keys on one. The
  // attributes Edgeway's own pin cookie has (SameSite=Lax, Secure over HTTPS: Cloudflare's
  // "Auto") and no drain duration say nothing to carry.
  const own = Object.entries(EDGEWAY_COOKIE)
    .filter(([field, values]) => values.includes(attrs[field]))
    .map(([field]) => field);
  dropUnset(
    ctx.log,
    ctx.source,
    attrsPath,
    attrs,
    ["headers", "zero_downtime_failover", "require_all_headers", ...own],
    "cookie attributes and drain duration are Edgeway's own",
  );
  return affinity;
}

/** The route fields a load balancer's steering fields say: pools, steering, fallbackPool, geo, weights, affinity. */
export function lbSettings(lb: Record<string, unknown>, ctx: SettingsContext): Record<string, unknown> {
  const defaults = list(lb["default_pools"]).map((r, i) => ctx.poolRef(r, `${ctx.pathOf("default_pools")}[${i}]`));
  if (defaults.length === 0) throw new ImportError(`${ctx.source}: ${ctx.pathOf("default_pools")} names no pool`);
  const policyName = text(lb["steering_policy"]) ?? "";
  const steering = ROUTE_STEERING[policyName];
  const out: Record<string, unknown> = { pools: defaults };
  if (steering === undefined)
    ctx.log.drop(ctx.source, ctx.pathOf("steering_policy"), `${policyName} has no Edgeway equivalent: failover order used`);
  else out["steering"] = steering;
  if (policyName === "least_connections")
    ctx.log.drop(ctx.source, ctx.pathOf("steering_policy"), "least_connections imported as least_outstanding");
  const fallback = lb["fallback_pool"];
  if (fallback !== undefined && fallback !== null && fallback !== "")
    out["fallbackPool"] = ctx.poolRef(fallback, ctx.pathOf("fallback_pool"));
  const geo = geoOf(lb, ctx);
  if (Object.keys(geo).length > 0) {
    out["geo"] = geo;
    if (steering !== "geo" && steering !== undefined)
      ctx.log.drop(
        ctx.source,
        ctx.pathOf("region_pools"),
        `used only by geo steering in Edgeway; this load balancer steers by ${policyName || "off"}`,
      );
  }
  const random = record(lb["random_steering"]);
  // Pool weights count where Cloudflare reads them (random and the least-* policies), among
  // default_pools: elsewhere they change nothing there, and nothing here.
  if (random !== undefined && WEIGHTED_POLICIES.includes(policyName)) {
    const weights: Record<string, number> = {};
    const fallbackWeight = num(random["default_weight"]) ?? 1;
    for (const pool of defaults) weights[pool] = fallbackWeight;
    for (const [ref, w] of Object.entries(record(random["pool_weights"]) ?? {})) {
      const pool = ctx.poolRef(ref, `${ctx.pathOf("random_steering")}.pool_weights`);
      if (defaults.includes(pool)) weights[pool] = num(w) ?? fallbackWeight;
    }
    out["weights"] = weights;
  }
  const affinity = affinityOf(lb, ctx);
  if (affinity !== undefined) out["affinity"] = affinity;
  // failover_across_pools: false (the default) retries once within the pool, as Edgeway's default retry does.
  if (record(lb["adaptive_routing"])?.["failover_across_pools"] === true)
    ctx.log.drop(
      ctx.source,
      ctx.pathOf("adaptive_routing"),
      "Edgeway retries on the next origin by the route's retries (default: one retry)",
    );
  return out;
}
