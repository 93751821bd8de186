/** The answer's schema for pools and their origins (OpenAPI components ExplainedPool and ExplainedOrigin). */
import { z } from "@hono/zod-openapi";
import { POOL_STEERING } from "../../config/schema.ts";
import { OVERRIDE_KINDS } from "../../config/overrides.ts";
import { EJECTION_KINDS } from "../../health/outlier.ts";

/** The latency knobs in force (a pool's or route's `latency`, defaults filled in), or null when its steering is not latency. */
export const LatencyKnobs = z
  .object({ decaySeconds: z.number(), explorePercent: z.number(), exploreIntervalSeconds: z.number(), failurePenaltyMs: z.number() })
  .nullable();

/** One origin of a pool as explained. */
export const ExplainedOrigin = z
  .object({
    id: z.string(),
    url: z.string(),
    registered: z.boolean().describe("Joined by registration rather than the config document."),
    source: z
      .string()
      .describe('Where the origin comes from: "config" (the document), "registration", or "dns:<name>" (discovered through DNS).'),
    enabled: z.boolean(),
    configuredWeight: z.number().nullable().describe("The weight in the config document (null for a registered origin)."),
    weight: z.number().describe("The effective weight steering uses, after overrides (disabled > drained > weight override > document)."),
    overrides: z.array(
      z.object({
        kind: z.enum(OVERRIDE_KINDS),
        value: z.union([z.string(), z.number()]),
        reason: z.string(),
        actor: z.string(),
        at: z.number(),
      }),
    ),
    healthy: z.boolean().describe("Healthy as steering sees it: the snapshot says healthy and outlier detection has not ejected it."),
    status: z
      .object({
        healthy: z.boolean(),
        reason: z.string(),
        since: z.number(),
        lastProbeAt: z.number().nullable(),
        forced: z.boolean().describe("A forced health override decides, not probes."),
      })
      .nullable()
      .describe(
        "The health snapshot's word: probes or heartbeats, or a forced state. Null: the snapshot does not know the origin, which counts as healthy.",
      ),
    ejection: z
      .object({ kind: z.enum(EJECTION_KINDS), at: z.number(), until: z.number(), count: z.number().int(), reason: z.string() })
      .nullable(),
    candidate: z
      .boolean()
      .describe(
        "May take the first try when steering reaches its pool: enabled, weight > 0, healthy (or any while the pool is in panic), and the pool up.",
      ),
    excluded: z
      .enum(["disabled", "gone", "weight-zero", "unhealthy", "ejected", "pool-down"])
      .nullable()
      .describe(
        'Why it is not a candidate: its own state first ("gone": a registration whose heartbeat lapsed, or a discovered address that left its DNS answer or stands by in a higher SRV tier), else its pool being down.',
      ),
    share: z.number().describe("Its share of the pool's requests under the pool's steering, 0–1."),
    latencyMs: z.number().nullable().describe("This isolate's peak-EWMA latency estimate from this colo, decayed to now."),
    latencyAgeMs: z.number().nullable().describe("Milliseconds since its last latency sample."),
    outstanding: z.number().describe("Requests in flight to it from this isolate."),
    liveWeight: z
      .object({
        weight: z.number(),
        source: z.enum(["report", "blackout", "expired", "unusable", "no_report", "drained"]),
      })
      .nullable()
      .describe(
        "Load-aware pools: the weight steering uses, from the origin's load reports (`report`) or its configured weight on the same scale (why: blackout, expired, unusable, no_report, drained); null in other pools.",
      ),
  })
  .openapi("ExplainedOrigin");

/** One pool as explained: verdict, health counts, panic, candidates, outlier summary and origins. */
export const ExplainedPool = z
  .object({
    id: z.string(),
    role: z.enum(["route", "fallback"]),
    position: z.number().int().nullable().describe("1-based place in the route steering's order; null for the fallback pool."),
    verdict: z.enum(["serves", "down", "no-candidates", "not-reached", "standby"]),
    steering: z.enum(POOL_STEERING),
    up: z.boolean().describe("healthy ≥ minHealthy."),
    healthy: z.number().int(),
    enabled: z.number().int(),
    minHealthy: z.number().int(),
    panic: z.boolean().describe("healthy ÷ enabled < panicThreshold: traffic spreads over every enabled origin."),
    panicThreshold: z.number(),
    candidates: z.array(z.string()).describe("Origins that may take the first try here (none when the pool is down)."),
    latency: LatencyKnobs.describe("The pool's latency knobs in force when its steering is latency."),
    outlierDetection: z.object({
      enabled: z.boolean(),
      ejected: z.number().int(),
      maxEjected: z.number().int(),
      maxEjectionPercent: z.number(),
      atLimit: z.boolean(),
    }),
    origins: z.array(ExplainedOrigin),
  })
  .openapi("ExplainedPool");
