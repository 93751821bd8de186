/** A pool in the config document (config/schema.ts): its origins, steering, outlier detection, load-awareness and registration policy. */
import { z } from "zod";
import { DiscoverySchema } from "./discovery-schema.ts";
import { Id, Latitude, Longitude } from "./fields.ts";
import { defaultLatencySettings, LatencySettingsSchema } from "./latency-schema.ts";
import { OriginHeadersSchema } from "./origin-headers.ts";
import { RegistrationPolicySchema } from "./registration-schema.ts";

export const POOL_STEERING = ["weighted", "round_robin", "random", "latency", "least_outstanding", "hash"] as const;

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
    origins: z
      .array(Id)
      .describe("The ids of the pool's origins, each listed once; empty only for a pool that takes its origins from DNS (discovery)."),
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
    /** Origins from DNS, kept current as the records change (discovery-schema.ts); absent: none. */
    discovery: DiscoverySchema.optional().describe(
      "Origins from DNS: each entry's answers become origins of the pool, refreshed as their TTLs run out. Absent: the pool's origins are the configured (and registered) ones.",
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
