/** A route in the config document (config/schema.ts): its match, pools and steering, and how its requests are proxied (timeouts, retries, hedging, affinity). */
import { z } from "zod";
import { Id } from "./fields.ts";
import { FilterSchema, PoolFilterSchema } from "./filter-schema.ts";
import { RouteMatchesSchema } from "./match-schema.ts";
import { defaultLatencySettings, LatencySettingsSchema } from "./latency-schema.ts";

export const ROUTE_STEERING = ["failover", "weighted", "geo", "proximity", "latency", "least_outstanding"] as const;

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
    match: RouteMatchesSchema,
    filters: z
      .array(FilterSchema)
      .max(32)
      .optional()
      .describe(
        "What the route does besides forwarding, in order (Gateway API HTTPRouteFilter): header edits, a URL rewrite, a redirect, mirrors, a fixed response. Absent: none.",
      ),
    poolFilters: z
      .record(z.string(), z.array(PoolFilterSchema).max(8))
      .optional()
      .describe("Pool id → header edits for the requests that pool serves (Gateway API backendRef filters). Absent: none."),
    pools: z
      .array(Id)
      .default([])
      .describe(
        "The ids of the route's pools, each listed once, in failover order. Only a route that answers itself (RequestRedirect or FixedResponse) may have none.",
      ),
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
    /**
     * W3C trace context: "start" (the default) continues a valid client traceparent and
     * starts a new sampled trace for every other request; "continue" only continues a valid
     * one — a request with none gets none (one header read), a malformed one is removed with
     * its tracestate. The request id is the same either way.
     */
    traceContext: z
      .enum(["start", "continue"])
      .default("start")
      .describe(
        'W3C trace context: "start" continues a valid client traceparent and starts a new sampled trace for every other request; "continue" only continues a valid one (none gets none, a malformed one is removed with its tracestate), which saves the header writes of a new trace on every request that has none.',
      ),
  })
  .describe(
    "A route: which requests it takes, the pools that serve them and how they are ordered, and how each request is proxied (timeout, retries, hedging, affinity).",
  );
