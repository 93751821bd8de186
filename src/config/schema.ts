/**
 * The config document: routes, pools, origins and monitors (DESIGN.md, "The config
 * document"). This file is only the shape of each part and its defaults; checks that
 * span parts (every pool names existing origins, …) live in `validate.ts`.
 *
 * Defaults, and the system each one follows:
 * - origin `weight` 1, share = weight ÷ sum (Cloudflare Load Balancing endpoints).
 * - monitor `timeoutMs` 5000, `intervalSeconds` 60, `expectedCodes` "2xx",
 *   thresholds 2/2 (Cloudflare monitors: 60 s, 5 s, consecutive up/down).
 * - pool `minHealthy` 1 (Cloudflare `minimum_origins`).
 * - route `timeoutMs` 15000 (Envoy's route timeout), one retry on the next origin for
 *   connect failures, timeouts and 502/503/504 on idempotent methods (Envoy's
 *   `connect-failure,reset,gateway-error` retry_on, which Cloudflare's adaptive routing
 *   narrows to connection errors; Edgeway also retries 503 because a proxy that
 *   retries on the next origin hides a draining origin from the client).
 */
import { z } from "zod";
import { RegistrationPolicySchema } from "./registration-schema.ts";
import { defaultLatencySettings, LatencySettingsSchema } from "./latency-schema.ts";
import { BindingName, OriginHeadersSchema } from "./origin-headers.ts";
import { PROBE_REGIONS } from "./probe-regions.ts";

/** Ids appear in metrics labels, cookies and URLs: keep them short and plain. */
export const Id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "must be 1–64 characters of A–Z, a–z, 0–9, '.', '_' or '-', starting with a letter or digit");

export const Latitude = z.number().min(-90).max(90);
export const Longitude = z.number().min(-180).max(180);

export const OriginUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: "custom", message: `not a URL: ${JSON.stringify(value)}` });
    return;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    ctx.addIssue({ code: "custom", message: `must be http:// or https://, got ${url.protocol}//` });
  }
  if (url.search !== "" || url.hash !== "") {
    ctx.addIssue({ code: "custom", message: "must not carry a query string or fragment" });
  }
  if (url.username !== "" || url.password !== "") {
    ctx.addIssue({ code: "custom", message: "must not carry credentials; use origin headers instead" });
  }
});

/** "2xx", "200", "200,204", "2xx,301": status classes and exact codes, comma-separated. */
const ExpectedCodes = z
  .string()
  .regex(/^\s*([1-5](xx|\d\d))(\s*,\s*[1-5](xx|\d\d))*\s*$/, 'must list status codes or classes, e.g. "2xx" or "200,204"');

/** Longest accepted region name: the catalogue's longest is well under half of it. */
export const REGION_NAME_MAX = 64;

/** A DNS host name, no port (the port comes from the origin URL). */
export const HostName = z
  .string()
  .max(253)
  .regex(
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i,
    "must be a host name, e.g. api.example.com (no scheme or port)",
  )
  .transform((name) => name.toLowerCase());

export const OriginSchema = z.strictObject({
  id: Id,
  url: OriginUrl,
  /** A well-known cloud region ("aws:us-east-1"); gives the origin's coordinates. */
  region: z
    .string()
    .min(1)
    .max(REGION_NAME_MAX, `at most ${REGION_NAME_MAX} characters (region names are like "aws:us-east-1")`)
    .optional(),
  lat: Latitude.optional(),
  lon: Longitude.optional(),
  /** Share of the pool's traffic = weight ÷ sum of weights; 0 drains the origin. */
  weight: z.number().min(0).max(1_000_000).default(1),
  /** false takes the origin out of every pool without deleting it. */
  enabled: z.boolean().default(true),
  /**
   * The name the origin sees in Host and as the TLS server name, while Edgeway connects to
   * the URL's address (Cloudflare Load Balancing's `header.Host`); see origin-host.ts for
   * what works locally and what only when deployed.
   */
  host: HostName.optional(),
  /** Extra request headers: text, or `{ "secret": "NAME" }` for a Worker secret's value. Override the pool's. */
  headers: OriginHeadersSchema.optional(),
  /** An `mtls_certificates` binding (wrangler.toml) whose client certificate Edgeway presents to this origin. */
  mtlsCertificate: BindingName.optional(),
});

export const MonitorSchema = z.strictObject({
  id: Id,
  type: z.enum(["http", "https", "tcp"]).default("http"),
  method: z.enum(["GET", "HEAD", "POST", "OPTIONS"]).default("GET"),
  path: z.string().startsWith("/", "must start with '/'").default("/"),
  /** Port to probe; defaults to the origin URL's port. */
  port: z.number().int().min(1).max(65535).optional(),
  headers: z.record(z.string(), z.string()).default({}),
  expectedCodes: ExpectedCodes.default("2xx"),
  /** A substring the first 5,120 bytes of the body must contain (as Route 53). */
  expectedBody: z.string().min(1).optional(),
  followRedirects: z.boolean().default(false),
  timeoutMs: z.number().int().min(100).max(60_000).default(5_000),
  intervalSeconds: z.number().int().min(1).max(3_600).default(60),
  unhealthyThreshold: z.number().int().min(1).max(100).default(2),
  healthyThreshold: z.number().int().min(1).max(100).default(2),
  /**
   * Durable Object location hints to probe from (Cloudflare's `check_regions`); each
   * region runs its own probes and thresholds, and `regionQuorum` regions that see the
   * origin down take it down (default: a majority). Without regions, probes leave from
   * wherever the cron trigger or the alarm runs.
   */
  regions: z
    .array(z.enum(PROBE_REGIONS, { error: `must be a probe region: one of ${PROBE_REGIONS.join(", ")}` }))
    .min(1, "name at least one region, or leave regions out")
    .optional(),
  /** How many regions must see an origin down to take it down; default a majority of `regions`. */
  regionQuorum: z.number().int().min(1).max(PROBE_REGIONS.length).optional(),
});

export const POOL_STEERING = ["weighted", "round_robin", "random", "latency", "least_outstanding", "hash"] as const;
export const ROUTE_STEERING = ["failover", "weighted", "geo", "proximity", "latency", "least_outstanding"] as const;

/** What `hash` pool steering hashes: a request header, a cookie, or the client IP. */
export const HashKeySchema = z.union([
  z.strictObject({ header: z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be a header name") }),
  z.strictObject({ cookie: z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be a cookie name") }),
  z.strictObject({ source: z.literal("ip") }),
]);

/**
 * When passive ejections in several colos eject an origin everywhere (health/quorum.ts).
 * `windowSeconds` is at least 20: isolates report traffic every 10 s, so a shorter window
 * would forget colos that are still sending.
 */
export const GlobalQuorumSchema = z.strictObject({
  fraction: z.number().gt(0, "fraction must be above 0").max(1).default(0.5),
  min: z.number().int().min(1).max(1_000).default(2),
  windowSeconds: z.number().int().min(20).max(3_600).default(60),
});

/**
 * Passive health from live traffic, as Envoy's outlier detection. An origin is ejected
 * after `consecutive5xx` 5xx answers in a row (Envoy: 5), after
 * `consecutiveGatewayFailure` connect failures, timeouts or 502/503/504 in a row (Envoy:
 * 5; Edgeway ejects after 3 because its retries already hide these from clients and a
 * dead origin should stop costing a retry sooner), or when at least
 * `failurePercentageThreshold`% of at least `failurePercentageRequestVolume` tries in an
 * `intervalSeconds` window failed (Envoy: 85%, 50, 10 s). 0 turns a check off.
 * Ejection lasts `baseEjectionSeconds` × the number of times it has been ejected
 * (Envoy: 30 s), capped at `maxEjectionSeconds` (Envoy: 300 s); an ejection is forgotten
 * again for every interval without one. At most `maxEjectionPercent` of a pool's origins
 * are ejected at once, and at least one may be (Envoy's 10% kept failing origins in
 * service in small pools, so Edgeway uses 50%, which at Envoy's 50% panic threshold can
 * never push a healthy pool into panic by itself). A passing probe returns an ejected origin
 * early when `unejectOnProbeSuccess` (Envoy's default).
 */
export const OutlierDetectionSchema = z.strictObject({
  enabled: z.boolean().default(true),
  consecutive5xx: z.number().int().min(0).max(1_000).default(5),
  consecutiveGatewayFailure: z.number().int().min(0).max(1_000).default(3),
  failurePercentageThreshold: z.number().min(0).max(100).default(85),
  failurePercentageRequestVolume: z.number().int().min(1).max(1_000_000).default(50),
  intervalSeconds: z.number().int().min(1).max(3_600).default(10),
  baseEjectionSeconds: z.number().int().min(1).max(3_600).default(30),
  maxEjectionSeconds: z.number().int().min(1).max(86_400).default(300),
  maxEjectionPercent: z.number().min(0).max(100).default(50),
  unejectOnProbeSuccess: z.boolean().default(true),
  /**
   * Ejections are per colo: an origin failing from one colo is ejected there only. It is
   * ejected everywhere when at least `max(min, ⌈fraction × voters⌉)` of the colos that sent
   * it traffic in the last `windowSeconds` eject it (health/quorum.ts says why: half of the
   * colos, as Cloudflare's majority of probe regions, and never one colo alone).
   */
  globalQuorum: GlobalQuorumSchema.default(() => GlobalQuorumSchema.parse({})),
});

/**
 * Load-aware weights for a `weighted` pool: origins report their load in the ORCA
 * `endpoint-load-metrics` response header and each origin's weight follows
 * qps ÷ (utilization + eps ÷ qps × errorUtilizationPenalty), as Envoy's client-side
 * weighted round robin. Defaults are Envoy's: a report counts after a 10 s blackout,
 * lapses after 180 s without a newer one (the origin then serves at its configured
 * weight), and an error per request counts as one whole utilization.
 */
export const LoadAwareSchema = z.strictObject({
  enabled: z.boolean().default(true),
  blackoutSeconds: z.number().min(0).max(3_600).default(10),
  expirySeconds: z.number().min(1).max(3_600).default(180),
  errorUtilizationPenalty: z.number().min(0).max(100).default(1),
});

export const PoolSchema = z.strictObject({
  id: Id,
  origins: z.array(Id).min(1, "a pool needs at least one origin"),
  steering: z.enum(POOL_STEERING).default("weighted"),
  monitor: Id.optional(),
  /** Fewer healthy origins than this and the pool counts as down (Cloudflare `minimum_origins`). */
  minHealthy: z.number().int().min(1).default(1),
  /**
   * Below this share of healthy origins, the pool spreads traffic over all its enabled
   * origins rather than crush the few healthy ones (Envoy's panic threshold, 50%).
   * 0 turns panic mode off.
   */
  panicThreshold: z.number().min(0).max(1).default(0.5),
  /** The request key for `hash` steering. */
  hash: HashKeySchema.optional(),
  /** Overrides the pool's location (otherwise the mean of its origins'). */
  lat: Latitude.optional(),
  lon: Longitude.optional(),
  outlierDetection: OutlierDetectionSchema.default(() => OutlierDetectionSchema.parse({})),
  /** Whether origins may register themselves into this pool, and what they may register; absent: none may. */
  registration: RegistrationPolicySchema.optional(),
  /** Knobs of `latency` steering among the pool's origins (latency-schema.ts). */
  latency: LatencySettingsSchema.default(defaultLatencySettings),
  /** Weights from the origins' own load reports (`weighted` steering only). */
  loadAware: LoadAwareSchema.optional(),
  /** Extra request headers for every origin of the pool (an origin's own headers win). */
  headers: OriginHeadersSchema.optional(),
});

/**
 * What a try may be retried on: a connect failure, a timeout, an exact status code
 * ("503") or a class ("5xx"). Default: connect failure, timeout and 502/503/504 (Envoy's
 * `connect-failure,gateway-error`).
 */
export const RetryOnSchema = z.union([
  z.enum(["connect-failure", "timeout"]),
  z.string().regex(/^[45](\d\d|xx)$/, 'must be "connect-failure", "timeout", a 4xx/5xx status code such as "503", or "5xx"'),
]);
export const DEFAULT_RETRY_ON = ["connect-failure", "timeout", "502", "503", "504"];
/** RFC 9110 §9.2.2 idempotent methods: safe to send twice. */
export const IDEMPOTENT_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"] as const;
const HttpMethod = z.string().regex(/^[A-Z]{1,20}$/, "must be an HTTP method in capitals, e.g. GET");

/**
 * Retries after the first try, each on the next origin steering picks. The budget keeps
 * retries from amplifying an outage: over a sliding 10 s window, retries may be at most
 * `budgetPercent` of requests plus `minRetriesPerSecond` (Linkerd's retry budget, 20% and
 * 10/s; Envoy's budget is also 20%, but counted over requests in flight, which in one
 * isolate is too few to let the burst of retries through that a dying origin causes).
 */
export const RetriesSchema = z.strictObject({
  attempts: z.number().int().min(0).max(5).default(1),
  perTryTimeoutMs: z.number().int().min(50).max(300_000).optional(),
  on: z.array(RetryOnSchema).default([...DEFAULT_RETRY_ON]),
  /** Methods that may be retried; idempotent ones by default. Add POST only for endpoints that are safe to repeat. */
  methods: z
    .array(HttpMethod)
    .min(1)
    .default([...IDEMPOTENT_METHODS]),
  budgetPercent: z.number().min(0).max(100).default(20),
  minRetriesPerSecond: z.number().min(0).max(10_000).default(10),
  /** Request bodies up to this size are buffered so a retry sends the same body; larger ones are sent once. */
  maxBodyBytes: z.number().int().min(0).max(10_485_760).default(1_048_576),
});

/**
 * Hedging for GET and HEAD: when the first try has not answered after `delayMs`, a second
 * try goes to another origin; the first good answer wins and the other is cancelled.
 * Hedges count against the retry budget and the route's attempts.
 */
export const HedgeSchema = z.strictObject({
  delayMs: z.number().int().min(1).max(60_000),
});

/**
 * Session affinity: pin a client to the origin that first served it. `cookie` sets an
 * HMAC-signed cookie naming the origin; `header` and `ip` hash the header value or the
 * client IP onto the pool's origins (rendezvous hashing, so a change in the origin set
 * moves only the clients of the origins that came or went). When the pinned origin is
 * unhealthy: `none` fails the request, `temporary` serves elsewhere and keeps the pin,
 * `sticky` serves elsewhere and moves the pin (Cloudflare's three session_affinity modes).
 */
export const AffinitySchema = z.strictObject({
  type: z.enum(["cookie", "header", "ip"]),
  /** Cookie or header name; the cookie defaults to "__edgeway_affinity". */
  name: z
    .string()
    .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be a token (letters, digits, -_.)")
    .optional(),
  /** Cookie lifetime; Cloudflare's default for cookie affinity is 23 h. */
  ttlSeconds: z.number().int().min(1).max(31_536_000).default(82_800),
  onFailure: z.enum(["none", "temporary", "sticky"]).default("sticky"),
});

export const RouteSchema = z.strictObject({
  id: Id,
  match: z
    .strictObject({
      /** "api.example.com", "*.example.com" (any subdomain) or "*" (any host). */
      host: z
        .string()
        .regex(
          /^(\*|(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)$/i,
          'must be "*", a host name, or "*." followed by a host name',
        )
        .default("*"),
      /** Matches whole path segments: "/api" matches "/api" and "/api/x", not "/apix". */
      pathPrefix: z.string().startsWith("/", "must start with '/'").default("/"),
    })
    .default({ host: "*", pathPrefix: "/" }),
  pools: z.array(Id).min(1, "a route needs at least one pool"),
  steering: z.enum(ROUTE_STEERING).default("failover"),
  /** Continent, country or colo code → pools tried in order (most specific match wins). */
  geo: z.record(z.string(), z.array(Id).min(1)).optional(),
  /** Pool id → weight, for `weighted` route steering. */
  weights: z.record(z.string(), z.number().min(0)).optional(),
  /** Serves when no other pool has a healthy origin. */
  fallbackPool: Id.optional(),
  /** Whole-request deadline across every try. */
  timeoutMs: z.number().int().min(50).max(300_000).default(15_000),
  retries: RetriesSchema.default(() => RetriesSchema.parse({})),
  hedge: HedgeSchema.optional(),
  /** Adds x-edgeway-origin and server-timing to responses. */
  exposeOrigin: z.boolean().default(true),
  affinity: AffinitySchema.optional(),
  /** Knobs of `latency` steering among the route's pools (latency-schema.ts). */
  latency: LatencySettingsSchema.default(defaultLatencySettings),
  /** false refuses WebSocket upgrades on this route with a 403 (they are proxied by default, as every anchor does). */
  websockets: z.boolean().default(true),
  /**
   * true appends this hop to the RFC 7239 `Forwarded` field (X-Forwarded-For, -Proto and
   * -Host are always set). Off by default, as in Envoy, nginx and Cloudflare: two more
   * header calls and a field on every request (README "Performance").
   */
  forwarded: z.boolean().default(false),
});

export const ConfigSchema = z.strictObject({
  origins: z.array(OriginSchema).min(1, "at least one origin is needed"),
  monitors: z.array(MonitorSchema).default([]),
  pools: z.array(PoolSchema).min(1, "at least one pool is needed"),
  routes: z.array(RouteSchema).min(1, "at least one route is needed"),
});

/** The document after defaults are filled in. */
export type Config = z.output<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export type Origin = z.output<typeof OriginSchema>;
export type Monitor = z.output<typeof MonitorSchema>;
export type Pool = z.output<typeof PoolSchema>;
export type Route = z.output<typeof RouteSchema>;
export type PoolSteeringName = (typeof POOL_STEERING)[number];
export type RouteSteeringName = (typeof ROUTE_STEERING)[number];
export type RetryOn = z.output<typeof RetryOnSchema>;
export type Retries = z.output<typeof RetriesSchema>;
export type Hedge = z.output<typeof HedgeSchema>;
export type OutlierDetection = z.output<typeof OutlierDetectionSchema>;
export type HashKey = z.output<typeof HashKeySchema>;
export type LoadAware = z.output<typeof LoadAwareSchema>;
export type Affinity = z.output<typeof AffinitySchema>;
export type { RegistrationPolicy } from "./registration-schema.ts";
