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

export const OriginSchema = z
  .strictObject({
    id: Id.describe(
      "The origin's name, unique among origins: pools name origins by it, and it appears in metrics, logs and the x-edgeway-origin response header.",
    ),
    url: OriginUrl.describe(
      "Where Edgeway sends the origin's requests: an http:// or https:// URL, optionally with a base path that each request's path is appended to; no query string, fragment or credentials.",
    ),
    /** A well-known cloud region ("aws:us-east-1"); gives the origin's coordinates. */
    region: z
      .string()
      .min(1)
      .max(REGION_NAME_MAX, `at most ${REGION_NAME_MAX} characters (region names are like "aws:us-east-1")`)
      .optional()
      .describe(
        'A cloud region from Edgeway\'s catalogue ("aws:us-east-1", "gcp:europe-west1", "azure:southeastasia", …) that gives the origin\'s coordinates for geo and proximity steering; a name outside the catalogue is an error unless lat and lon are given. Absent: no region.',
      ),
    lat: Latitude.optional().describe(
      "The origin's latitude, -90 to 90; with lon, it overrides the region's coordinates (needed for an origin outside the catalogue, such as on-prem). Give both or neither.",
    ),
    lon: Longitude.optional().describe("The origin's longitude, -180 to 180; goes with lat."),
    /** Share of the pool's traffic = weight ÷ sum of weights; 0 drains the origin. */
    weight: z
      .number()
      .min(0)
      .max(1_000_000)
      .default(1)
      .describe(
        "The origin's share of its pool's traffic is weight ÷ the sum of the pool's weights; 0 drains the origin (no new clients; pinned sessions stay).",
      ),
    /** false takes the origin out of every pool without deleting it. */
    enabled: z.boolean().default(true).describe("false takes the origin out of every pool without deleting it."),
    /**
     * The name the origin sees in Host and as the TLS server name, while Edgeway connects to
     * the URL's address (Cloudflare Load Balancing's `header.Host`); see origin-host.ts for
     * what works locally and what only when deployed.
     */
    host: HostName.optional().describe(
      "The name the origin sees in Host and as the TLS server name, while Edgeway connects to the URL's address (Cloudflare Load Balancing's header.Host); honoured when deployed, with both names in the Worker's zone. Absent: the URL's host.",
    ),
    /** Extra request headers: text, or `{ "secret": "NAME" }` for a Worker secret's value. Override the pool's. */
    headers: OriginHeadersSchema.optional().describe(
      'Extra request headers for this origin: header name → text, or { "secret": "NAME" } for the value of the Worker secret NAME. They replace a client\'s header of the same name, and win over the pool\'s headers. Absent: none.',
    ),
    /** An `mtls_certificates` binding (wrangler.toml) whose client certificate Edgeway presents to this origin. */
    mtlsCertificate: BindingName.optional().describe(
      "The name of an mtls_certificates binding (wrangler.toml) whose client certificate Edgeway presents to this origin; works only when deployed. Absent: no client certificate.",
    ),
  })
  .describe("An origin: one endpoint (a host, a service or a cloud load balancer) that serves requests, in any cloud or on-prem.");

export const MonitorSchema = z
  .strictObject({
    id: Id.describe("The monitor's name, unique among monitors: pools name it in their monitor field."),
    type: z
      .enum(["http", "https", "tcp"])
      .default("http")
      .describe(
        "http and https probe with an HTTP request over that scheme, whatever the origin URL's scheme; tcp only opens a connection.",
      ),
    method: z.enum(["GET", "HEAD", "POST", "OPTIONS"]).default("GET").describe("The probe's HTTP method."),
    path: z
      .string()
      .startsWith("/", "must start with '/'")
      .default("/")
      .describe("The path probed, appended to the origin URL's own path; starts with '/'."),
    /** Port to probe; defaults to the origin URL's port. */
    port: z.number().int().min(1).max(65535).optional().describe("The port to probe. Absent: the origin URL's port."),
    headers: z.record(z.string(), z.string()).default({}).describe("Request headers sent with every probe: header name → value."),
    expectedCodes: ExpectedCodes.default("2xx").describe(
      'The status codes that count as healthy: classes and exact codes, comma-separated ("2xx", "200,204", "2xx,301").',
    ),
    /** A substring the first 5,120 bytes of the body must contain (as Route 53). */
    expectedBody: z
      .string()
      .min(1)
      .optional()
      .describe("A substring the first 5,120 bytes of the response body must contain (as Route 53). Absent: the body is not checked."),
    followRedirects: z.boolean().default(false).describe("true follows redirects; false judges the redirect's own status code."),
    timeoutMs: z
      .number()
      .int()
      .min(100)
      .max(60_000)
      .default(5_000)
      .describe("How long a probe may take, in milliseconds, before it counts as failed."),
    intervalSeconds: z
      .number()
      .int()
      .min(1)
      .max(3_600)
      .default(60)
      .describe(
        "Seconds between probes: 60 or more runs from the cron trigger (every minute, or every other one for 120, …), less from the Durable Object's alarm loop.",
      ),
    unhealthyThreshold: z.number().int().min(1).max(100).default(2).describe("Failed probes in a row that take a healthy origin down."),
    healthyThreshold: z.number().int().min(1).max(100).default(2).describe("Passing probes in a row that bring an unhealthy origin back."),
    /**
     * Durable Object location hints to probe from (Cloudflare's `check_regions`); each
     * region runs its own probes and thresholds, and `regionQuorum` regions that see the
     * origin down take it down (default: a majority). Without regions, probes leave from
     * wherever the cron trigger or the alarm runs.
     */
    regions: z
      .array(z.enum(PROBE_REGIONS, { error: `must be a probe region: one of ${PROBE_REGIONS.join(", ")}` }))
      .min(1, "name at least one region, or leave regions out")
      .optional()
      .describe(
        `Probe regions to probe from (Durable Object location hints: ${PROBE_REGIONS.join(", ")}), each with its own probes and thresholds (Cloudflare's check_regions). Absent: probes leave from wherever the cron trigger or the alarm runs.`,
      ),
    /** How many regions must see an origin down to take it down; default a majority of `regions`. */
    regionQuorum: z
      .number()
      .int()
      .min(1)
      .max(PROBE_REGIONS.length)
      .optional()
      .describe(
        "How many regions must see an origin down to take it down; needs regions, and at most as many. Absent: a majority of regions.",
      ),
  })
  .describe("A health monitor: how the pools that name it probe their origins, and how many results in a row change an origin's health.");

export const POOL_STEERING = ["weighted", "round_robin", "random", "latency", "least_outstanding", "hash"] as const;
export const ROUTE_STEERING = ["failover", "weighted", "geo", "proximity", "latency", "least_outstanding"] as const;

/** What `hash` pool steering hashes: a request header, a cookie, or the client IP. */
export const HashKeySchema = z
  .union([
    z.strictObject({
      header: z
        .string()
        .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be a header name")
        .describe("A request header whose value is hashed."),
    }),
    z.strictObject({
      cookie: z
        .string()
        .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be a cookie name")
        .describe("A cookie whose value is hashed."),
    }),
    z.strictObject({ source: z.literal("ip").describe('"ip": the client IP is hashed.') }),
  ])
  .describe('What hash steering hashes: { "header": NAME }, { "cookie": NAME } or { "source": "ip" }.');

/**
 * When passive ejections in several colos eject an origin everywhere (health/quorum.ts).
 * `windowSeconds` is at least 20: isolates report traffic every 10 s, so a shorter window
 * would forget colos that are still sending.
 */
export const GlobalQuorumSchema = z
  .strictObject({
    fraction: z
      .number()
      .gt(0, "fraction must be above 0")
      .max(1)
      .default(0.5)
      .describe("The share of the voting colos (those that sent the origin traffic in the window) that must eject it; above 0, at most 1."),
    min: z
      .number()
      .int()
      .min(1)
      .max(1_000)
      .default(2)
      .describe("The fewest colos that must eject the origin, whatever the fraction (2: never one colo alone)."),
    windowSeconds: z
      .number()
      .int()
      .min(20)
      .max(3_600)
      .default(60)
      .describe("How far back, in seconds, a colo's traffic to the origin makes it a voter; at least 20, as isolates report every 10 s."),
  })
  .describe(
    "When per-colo ejections eject an origin everywhere: when at least max(min, ⌈fraction × voters⌉) of the colos that sent it traffic in the last windowSeconds eject it.",
  );

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
export const OutlierDetectionSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe("false turns outlier detection off for the pool."),
    consecutive5xx: z
      .number()
      .int()
      .min(0)
      .max(1_000)
      .default(5)
      .describe("5xx answers in a row that eject an origin (Envoy: 5); 0 turns this check off."),
    consecutiveGatewayFailure: z
      .number()
      .int()
      .min(0)
      .max(1_000)
      .default(3)
      .describe("Connect failures, timeouts or 502/503/504 answers in a row that eject an origin (Envoy: 5); 0 turns this check off."),
    failurePercentageThreshold: z
      .number()
      .min(0)
      .max(100)
      .default(85)
      .describe(
        "The percentage of failed tries in an interval that ejects an origin, once it had failurePercentageRequestVolume tries; 0 turns this check off.",
      ),
    failurePercentageRequestVolume: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(50)
      .describe("The fewest tries in an interval for failurePercentageThreshold to apply."),
    intervalSeconds: z
      .number()
      .int()
      .min(1)
      .max(3_600)
      .default(10)
      .describe(
        "The window of failurePercentageThreshold, in seconds; each interval without an ejection also forgets one earlier ejection.",
      ),
    baseEjectionSeconds: z
      .number()
      .int()
      .min(1)
      .max(3_600)
      .default(30)
      .describe("How long an ejection lasts, in seconds, times the number of times the origin has been ejected."),
    maxEjectionSeconds: z.number().int().min(1).max(86_400).default(300).describe("The longest an ejection lasts, in seconds."),
    maxEjectionPercent: z
      .number()
      .min(0)
      .max(100)
      .default(50)
      .describe("At most this percentage of a pool's origins is ejected at once (and at least one origin may be)."),
    unejectOnProbeSuccess: z
      .boolean()
      .default(true)
      .describe("true returns an ejected origin early when a probe passes; false when probes pass while real traffic fails."),
    /**
     * Ejections are per colo: an origin failing from one colo is ejected there only. It is
     * ejected everywhere when at least `max(min, ⌈fraction × voters⌉)` of the colos that sent
     * it traffic in the last `windowSeconds` eject it (health/quorum.ts says why: half of the
     * colos, as Cloudflare's majority of probe regions, and never one colo alone).
     */
    globalQuorum: GlobalQuorumSchema.default(() => GlobalQuorumSchema.parse({})).describe(
      "When ejections in several colos eject an origin everywhere; otherwise an ejection stays in its colo.",
    ),
  })
  .describe("Passive health from live traffic, as Envoy's outlier detection: an origin that fails real requests is ejected for a while.");

/**
 * Load-aware weights for a `weighted` pool: origins report their load in the ORCA
 * `endpoint-load-metrics` response header and each origin's weight follows
 * qps ÷ (utilization + eps ÷ qps × errorUtilizationPenalty), as Envoy's client-side
 * weighted round robin. Defaults are Envoy's: a report counts after a 10 s blackout,
 * lapses after 180 s without a newer one (the origin then serves at its configured
 * weight), and an error per request counts as one whole utilization.
 */
export const LoadAwareSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe("false keeps the configured weights, with the settings left in place."),
    blackoutSeconds: z
      .number()
      .min(0)
      .max(3_600)
      .default(10)
      .describe("An origin's load reports count only after this many seconds of reporting."),
    expirySeconds: z
      .number()
      .min(1)
      .max(3_600)
      .default(180)
      .describe("A report lapses after this many seconds without a newer one; the origin then serves at its configured weight."),
    errorUtilizationPenalty: z
      .number()
      .min(0)
      .max(100)
      .default(1)
      .describe("How much an error per request counts as utilization (1: one error per request weighs as much as a fully used origin)."),
  })
  .describe(
    "Load-aware weights: each origin's weight follows qps ÷ (utilization + eps ÷ qps × errorUtilizationPenalty) from the ORCA endpoint-load-metrics header of its responses, as Envoy's client-side weighted round robin.",
  );

export const PoolSchema = z
  .strictObject({
    id: Id.describe("The pool's name, unique among pools: routes name pools by it."),
    origins: z.array(Id).min(1, "a pool needs at least one origin").describe("The ids of the pool's origins, each listed once."),
    steering: z
      .enum(POOL_STEERING)
      .default("weighted")
      .describe(
        'How an origin is picked: "weighted" (smooth weighted round robin), "round_robin" (each in turn, weights ignored), "random" (probability ∝ weight), "latency" (the lowest latency estimate from this edge location), "least_outstanding" (weight ÷ (requests in flight + 1)) or "hash" (rendezvous hashing on the hash key).',
      ),
    monitor: Id.optional().describe(
      "The id of the monitor that probes the pool's origins. Absent: no probes; outlier detection still acts on live traffic.",
    ),
    /** Fewer healthy origins than this and the pool counts as down (Cloudflare `minimum_origins`). */
    minHealthy: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe(
        "With fewer healthy origins than this the pool counts as down (Cloudflare's minimum_origins); at most the pool's number of origins.",
      ),
    /**
     * Below this share of healthy origins, the pool spreads traffic over all its enabled
     * origins rather than crush the few healthy ones (Envoy's panic threshold, 50%).
     * 0 turns panic mode off.
     */
    panicThreshold: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe(
        "Below this share of healthy origins the pool spreads traffic over all its enabled origins rather than crush the few healthy ones (Envoy's panic threshold); 0 turns panic mode off.",
      ),
    /** The request key for `hash` steering. */
    hash: HashKeySchema.optional().describe("The request key of hash steering. Absent: the client IP."),
    /** Overrides the pool's location (otherwise the mean of its origins'). */
    lat: Latitude.optional().describe(
      "The pool's latitude for proximity steering; with lon, it overrides the location its origins give (the mean of theirs). Give both or neither.",
    ),
    lon: Longitude.optional().describe("The pool's longitude; goes with lat."),
    outlierDetection: OutlierDetectionSchema.default(() => OutlierDetectionSchema.parse({})).describe(
      "Passive health from live traffic: when an origin that fails real requests is ejected, for how long, and when everywhere.",
    ),
    /** Whether origins may register themselves into this pool, and what they may register; absent: none may. */
    registration: RegistrationPolicySchema.optional().describe(
      "Whether origins may register themselves into this pool (POST /_edgeway/register, or the Consul-compatible surface), and what they may register. Absent: the pool refuses every registration.",
    ),
    /** Knobs of `latency` steering among the pool's origins (latency-schema.ts). */
    latency: LatencySettingsSchema.default(defaultLatencySettings).describe("Knobs of latency steering among the pool's origins."),
    /** Weights from the origins' own load reports (`weighted` steering only). */
    loadAware: LoadAwareSchema.optional().describe(
      "Weights from the origins' own load reports, for weighted steering only. Absent: the configured weights.",
    ),
    /** Extra request headers for every origin of the pool (an origin's own headers win). */
    headers: OriginHeadersSchema.optional().describe(
      'Extra request headers for every origin of the pool: header name → text, or { "secret": "NAME" } for the value of the Worker secret NAME; an origin\'s own headers of the same name win. Absent: none.',
    ),
  })
  .describe("A pool: origins that serve the same thing, how one of them is picked for a request, and how their health is judged.");

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
export const RetriesSchema = z
  .strictObject({
    attempts: z
      .number()
      .int()
      .min(0)
      .max(5)
      .default(1)
      .describe("Retries after the first try, each on the next origin steering picks; 0 turns retries off."),
    perTryTimeoutMs: z
      .number()
      .int()
      .min(50)
      .max(300_000)
      .optional()
      .describe("The deadline of each try, in milliseconds. Absent: each try may use what is left of the route's timeoutMs."),
    on: z
      .array(RetryOnSchema)
      .default([...DEFAULT_RETRY_ON])
      .describe('What a try is retried on: "connect-failure", "timeout", an exact 4xx/5xx status code ("503") or a class ("5xx").'),
    /** Methods that may be retried; idempotent ones by default. Add POST only for endpoints that are safe to repeat. */
    methods: z
      .array(HttpMethod)
      .min(1)
      .default([...IDEMPOTENT_METHODS])
      .describe(
        "HTTP methods (in capitals) that may be retried; the idempotent ones by default. Add POST only for endpoints that are safe to repeat.",
      ),
    budgetPercent: z
      .number()
      .min(0)
      .max(100)
      .default(20)
      .describe(
        "Retries may be at most this percentage of requests, plus minRetriesPerSecond, over a sliding 10 s window (Linkerd's retry budget).",
      ),
    minRetriesPerSecond: z
      .number()
      .min(0)
      .max(10_000)
      .default(10)
      .describe("Retries per second the budget always allows, on top of budgetPercent."),
    /** Request bodies up to this size are buffered so a retry sends the same body; larger ones are sent once. */
    maxBodyBytes: z
      .number()
      .int()
      .min(0)
      .max(10_485_760)
      .default(1_048_576)
      .describe(
        "Request bodies up to this many bytes are buffered so a retry sends the same body; larger ones are sent once and not retried.",
      ),
  })
  .describe(
    "Retries after the first try, each on the next origin steering picks, within a retry budget so retries cannot amplify an outage.",
  );

/**
 * Hedging for GET and HEAD: when the first try has not answered after `delayMs`, a second
 * try goes to another origin; the first good answer wins and the other is cancelled.
 * Hedges count against the retry budget and the route's attempts.
 */
export const HedgeSchema = z
  .strictObject({
    delayMs: z
      .number()
      .int()
      .min(1)
      .max(60_000)
      .describe("How long to wait for the first try, in milliseconds, before a hedge goes to another origin."),
  })
  .describe(
    "Hedging for GET and HEAD: when the first try has not answered after delayMs, a second try goes to another origin; the first good answer wins. Hedges count against the retry budget and the route's attempts.",
  );

/**
 * Session affinity: pin a client to the origin that first served it. `cookie` sets an
 * HMAC-signed cookie naming the origin; `header` and `ip` hash the header value or the
 * client IP onto the pool's origins (rendezvous hashing, so a change in the origin set
 * moves only the clients of the origins that came or went). When the pinned origin is
 * unhealthy: `none` fails the request, `temporary` serves elsewhere and keeps the pin,
 * `sticky` serves elsewhere and moves the pin (Cloudflare's three session_affinity modes).
 */
export const AffinitySchema = z
  .strictObject({
    type: z
      .enum(["cookie", "header", "ip"])
      .describe(
        '"cookie" sets an HMAC-signed cookie naming the origin; "header" and "ip" hash the header\'s value or the client IP onto the pool\'s origins (rendezvous hashing).',
      ),
    /** Cookie or header name; the cookie defaults to "__edgeway_affinity". */
    name: z
      .string()
      .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be a token (letters, digits, -_.)")
      .optional()
      .describe('The cookie\'s or the header\'s name. Absent: "__edgeway_affinity" for a cookie, "x-session-id" for a header.'),
    /** Cookie lifetime; Cloudflare's default for cookie affinity is 23 h. */
    ttlSeconds: z
      .number()
      .int()
      .min(1)
      .max(31_536_000)
      .default(82_800)
      .describe("The cookie's lifetime in seconds (Cloudflare's default for cookie affinity, 23 h)."),
    onFailure: z
      .enum(["none", "temporary", "sticky"])
      .default("sticky")
      .describe(
        'When the pinned origin is unhealthy: "none" fails the request, "temporary" serves elsewhere and keeps the pin, "sticky" serves elsewhere and moves the pin.',
      ),
  })
  .describe("Session affinity: pins a client to the origin that first served it.");

export const RouteSchema = z
  .strictObject({
    id: Id.describe("The route's name, unique among routes; it appears in metrics and logs."),
    match: z
      .strictObject({
        /** "api.example.com", "*.example.com" (any subdomain) or "*" (any host). */
        host: z
          .string()
          .regex(
            /^(\*|(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)$/i,
            'must be "*", a host name, or "*." followed by a host name',
          )
          .default("*")
          .describe('The request\'s host: "api.example.com", "*.example.com" (any subdomain) or "*" (any host); case-insensitive.'),
        /** Matches whole path segments: "/api" matches "/api" and "/api/x", not "/apix". */
        pathPrefix: z
          .string()
          .startsWith("/", "must start with '/'")
          .default("/")
          .describe('A path prefix, matched on whole segments: "/api" matches "/api" and "/api/x", not "/apix".'),
      })
      .default({ host: "*", pathPrefix: "/" })
      .describe(
        'Which requests the route takes. The most specific route wins: an exact host, then the longest wildcard suffix, then "*"; within a host, the longest pathPrefix.',
      ),
    pools: z
      .array(Id)
      .min(1, "a route needs at least one pool")
      .describe("The ids of the route's pools, each listed once, in failover order."),
    steering: z
      .enum(ROUTE_STEERING)
      .default("failover")
      .describe(
        'How the pools are ordered for a request: "failover" (in order), "weighted" (split by weights), "geo" (by the client\'s location, see geo), "proximity" (the nearest pool to the client), "latency" (the lowest latency estimate from this edge location) or "least_outstanding" (capacity ÷ (requests in flight + 1)).',
      ),
    /** Continent, country or colo code → pools tried in order (most specific match wins). */
    geo: z
      .record(z.string(), z.array(Id).min(1))
      .optional()
      .describe(
        'For geo steering: a continent ("EU"), country ("DE"; "country:NA" for Namibia, as "NA" is North America) or colo ("FRA") code → the ids of the pools tried first, in order, then the route\'s other pools. The most specific match wins: colo, country, continent. Absent: every client gets the route\'s pools in order.',
      ),
    /** Pool id → weight, for `weighted` route steering. */
    weights: z
      .record(z.string(), z.number().min(0))
      .optional()
      .describe(
        "For weighted steering: pool id → weight; a pool's share is its weight ÷ the sum, and a pool left out gets 0. Absent: every pool weighs 1.",
      ),
    /** Serves when no other pool has a healthy origin. */
    fallbackPool: Id.optional().describe("The id of a pool that serves when no other pool has a healthy origin. Absent: none."),
    /** Whole-request deadline across every try. */
    timeoutMs: z
      .number()
      .int()
      .min(50)
      .max(300_000)
      .default(15_000)
      .describe("The deadline of the whole request across every try, in milliseconds, to the response headers (Envoy's route timeout)."),
    retries: RetriesSchema.default(() => RetriesSchema.parse({})).describe(
      "Retries after the first try, each on the next origin steering picks, within a retry budget.",
    ),
    hedge: HedgeSchema.optional().describe(
      "Hedging for GET and HEAD: a second try to another origin when the first has not answered in time. Absent: no hedging.",
    ),
    /** Adds x-edgeway-origin and server-timing to responses. */
    exposeOrigin: z.boolean().default(true).describe("true adds x-edgeway-origin and server-timing to the route's responses."),
    affinity: AffinitySchema.optional().describe("Session affinity: pins a client to the origin that first served it. Absent: none."),
    /** Knobs of `latency` steering among the route's pools (latency-schema.ts). */
    latency: LatencySettingsSchema.default(defaultLatencySettings).describe("Knobs of latency steering among the route's pools."),
    /** false refuses WebSocket upgrades on this route with a 403 (they are proxied by default, as every anchor does). */
    websockets: z
      .boolean()
      .default(true)
      .describe("false refuses WebSocket upgrades on this route with a 403; true proxies them, as Cloudflare does by default."),
    /**
     * true appends this hop to the RFC 7239 `Forwarded` field (X-Forwarded-For, -Proto and
     * -Host are always set). Off by default, as in Envoy, nginx and Cloudflare: two more
     * header calls and a field on every request (docs/performance.md).
     */
    forwarded: z
      .boolean()
      .default(false)
      .describe(
        "true appends this hop to the RFC 7239 Forwarded header (X-Forwarded-For, -Proto and -Host are always set); off by default, as in Envoy, nginx and Cloudflare.",
      ),
  })
  .describe(
    "A route: which requests it takes, the pools that serve them and how they are ordered, and how each request is proxied (timeout, retries, hedging, affinity).",
  );

export const ConfigSchema = z
  .strictObject({
    origins: z
      .array(OriginSchema)
      .min(1, "at least one origin is needed")
      .describe("The origins: every endpoint a pool may send requests to."),
    monitors: z.array(MonitorSchema).default([]).describe("The health monitors pools name."),
    pools: z
      .array(PoolSchema)
      .min(1, "at least one pool is needed")
      .describe("The pools: sets of origins, each with its own steering and health."),
    routes: z
      .array(RouteSchema)
      .min(1, "at least one route is needed")
      .describe("The routes: which requests Edgeway proxies, and to which pools."),
  })
  .describe(
    "An Edgeway config document: the origins, the monitors that probe them, the pools that group them and the routes that send requests to pools.",
  );

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
