/**
 * What each scenario sends, and the Edgeway config documents it runs with. One config
 * serves every Edgeway throughput scenario (a route per path prefix), so nothing is
 * reconfigured between interleaved runs.
 */
import type { RequestVariant } from "./drive.ts";
import type { ThroughputScenario } from "./options.ts";

/** Origin weights, cycled: the same for Edgeway's `weighted` pool and nginx's upstream. */
const WEIGHTS = [3, 1, 2] as const;
export const weightOf = (index: number): number => WEIGHTS[index % WEIGHTS.length] ?? 1;

export const HASH_HEADER = "x-session";

/** Clients over every continent (and one that matches no geo entry), as the debug geo header. */
export const GEO_CLIENTS = [
  "country=US; continent=NA; lat=40.71; lon=-74.01",
  "country=DE; continent=EU; lat=52.52; lon=13.40",
  "country=SG; continent=AS; lat=1.35; lon=103.82",
  "country=BR; continent=SA; lat=-23.55; lon=-46.63",
  "country=AU; continent=OC; lat=-33.87; lon=151.21",
  "country=ZA; continent=AF; lat=-26.20; lon=28.05",
  "country=JP; continent=AS; lat=35.68; lon=139.69",
  "country=AQ; continent=AN",
] as const;

/** Distinct session keys for `hash`, each connection cycling through all of them. */
const HASH_KEYS = 256;

export function variantsFor(scenario: ThroughputScenario): RequestVariant[] {
  switch (scenario) {
    case "edgeway-weighted":
    case "edgeway-baseline-weighted":
      return [{ path: "/weighted/item" }];
    case "edgeway-weighted-lean":
      return [{ path: "/lean/item" }];
    case "edgeway-weighted-continue":
      return [{ path: "/continue/item" }];
    case "edgeway-latency":
    case "edgeway-baseline-latency":
      return [{ path: "/latency/item" }];
    case "edgeway-geo":
      return GEO_CLIENTS.map((geo) => ({ path: "/geo/item", headers: { "x-edgeway-debug-geo": geo } }));
    case "edgeway-hash":
      return Array.from({ length: HASH_KEYS }, (_, i) => ({ path: "/hash/item", headers: { [HASH_HEADER]: `user-${i.toString(36)}` } }));
    case "edgeway-rules":
      return [{ path: "/rules/item", headers: { "x-remove-me": "1" } }];
    case "edgeway-full":
      return Array.from({ length: HASH_KEYS }, (_, i) => ({ path: "/full/item", headers: { [HASH_HEADER]: `user-${i.toString(36)}` } }));
    default:
      return [{ path: "/item" }];
  }
}

export interface OriginRef {
  readonly id: string;
  readonly url: string;
}

/**
 * A route with three request header edits and a prefix rewrite, priced against /weighted
 * (same pool, no filters). Only this checkout's config has it (`rules`): a baseline build
 * from before routing rules would refuse the document.
 */
const RULES_ROUTE = {
  id: "rules",
  match: { pathPrefix: "/rules" },
  pools: ["weighted"],
  filters: [
    {
      type: "RequestHeaderModifier",
      requestHeaderModifier: {
        set: [{ name: "x-tenant", value: "edge" }],
        add: [{ name: "x-via-rule", value: "rules" }],
        remove: ["x-remove-me"],
      },
    },
    { type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/v2" } } },
  ],
};

/**
 * The weighted pool on a route that only continues a client's trace (`traceContext:
 * "continue"`), priced against /weighted. Only this checkout's config has it, as /rules.
 */
const CONTINUE_ROUTE = { id: "continue", match: { pathPrefix: "/continue" }, pools: ["weighted"], traceContext: "continue" };

/**
 * The throughput config: routes /weighted, /lean, /latency, /geo, /hash, /full (and, with
 * `current`, the routes a baseline build may not know: /rules, /continue) over the same origins.
 */
export function throughputConfig(origins: readonly OriginRef[], registrations = 0, current = false): unknown {
  const ids = origins.map((o) => o.id);
  const at = (i: number): string => ids[i % ids.length] ?? ids[0] ?? "";
  return {
    origins: origins.map((o, i) => ({ id: o.id, url: o.url, weight: weightOf(i) })),
    pools: [
      {
        id: "weighted",
        origins: ids,
        steering: "weighted",
        // --registrations: the pool takes that many registered origins on 127.0.0.1.
        ...(registrations > 0 ? { registration: { addresses: ["127.0.0.1"], maxOrigins: registrations } } : {}),
      },
      { id: "latency", origins: ids, steering: "latency" },
      { id: "hash", origins: ids, steering: "hash", hash: { header: HASH_HEADER } },
      { id: "loaded", origins: ids, steering: "weighted", loadAware: {} },
      { id: "na", origins: [at(0)] },
      { id: "eu", origins: [at(1)] },
      { id: "apac", origins: [at(2)] },
    ],
    routes: [
      { id: "weighted", match: { pathPrefix: "/weighted" }, pools: ["weighted"] },
      // The same pool with exposeOrigin off: no x-edgeway-origin or server-timing, so the
      // origin's response goes out as it came instead of as an edited copy.
      { id: "lean", match: { pathPrefix: "/lean" }, pools: ["weighted"], exposeOrigin: false },
      { id: "latency", match: { pathPrefix: "/latency" }, pools: ["latency"] },
      { id: "hash", match: { pathPrefix: "/hash" }, pools: ["hash"] },
      // Every optional stage on: header affinity (every pool hashes on the key), a hash pool,
      // a load-aware pool and latency route steering; priced against /weighted (all off).
      {
        id: "full",
        match: { pathPrefix: "/full" },
        pools: ["hash", "loaded"],
        steering: "latency",
        affinity: { type: "header", name: HASH_HEADER },
      },
      ...(current ? [RULES_ROUTE, CONTINUE_ROUTE] : []),
      {
        id: "geo",
        match: { pathPrefix: "/geo" },
        pools: ["na", "eu", "apac"],
        steering: "geo",
        geo: { NA: ["na"], SA: ["na"], EU: ["eu"], AF: ["eu"], AS: ["apac"], OC: ["apac"] },
        fallbackPool: "na",
      },
    ],
  };
}

/**
 * The chaos config: three origins of equal weight in one `weighted` pool with a fast
 * monitor, and outlier detection at its defaults (on unless turned off).
 */
export function chaosConfig(origins: readonly OriginRef[], probeIntervalSec: number): unknown {
  return {
    origins: origins.map((o) => ({ id: o.id, url: o.url, weight: 1 })),
    monitors: [
      { id: "fast", path: "/healthz", intervalSeconds: probeIntervalSec, timeoutMs: 1_000, unhealthyThreshold: 2, healthyThreshold: 2 },
    ],
    pools: [{ id: "chaos", origins: origins.map((o) => o.id), steering: "weighted", monitor: "fast" }],
    routes: [{ id: "chaos", pools: ["chaos"] }],
  };
}
