/**
 * The answer's schema: how an explanation renders as JSON and in /openapi.json, field by
 * field as src/steering/explain/trace.ts builds it.
 */
import { z } from "@hono/zod-openapi";
import { POOL_STEERING, ROUTE_STEERING } from "../../config/schema.ts";
import { ExplainedPool, LatencyKnobs } from "./pool-schema.ts";

const Basis = z
  .enum(["deterministic", "rotation", "draw"])
  .describe(
    "deterministic: what the data plane picks for these inputs; rotation: a per-isolate rotation, shown where a fresh one starts (see shares); draw: one random draw (see shares).",
  );
const Coordinates = z.object({ lat: z.number(), lon: z.number() });
const ClientString = z
  .object({
    value: z.string(),
    source: z.string().describe("geo parameter, ip parameter, request.cf, x-edgeway-debug-geo header or cf-connecting-ip."),
  })
  .nullable();
const ClientNumber = z.object({ value: z.number(), source: z.string() }).nullable();
const Valve = z.object({
  active: z.boolean().describe("Whether it decides this request."),
  pools: z.array(z.string()),
  detail: z.string(),
});
const PlannedTry = z.object({
  attempt: z.number().int(),
  pool: z.string(),
  origin: z.string(),
  fallback: z.boolean(),
  panic: z.boolean(),
  ejectionOverride: z.boolean(),
  pinned: z.boolean(),
});

/** The whole explanation (OpenAPI component Explanation). */
export const Explanation = z
  .object({
    configVersion: z.number().int(),
    request: z.object({ url: z.string(), method: z.string(), host: z.string(), path: z.string() }),
    outcome: z
      .discriminatedUnion("kind", [
        z.object({
          kind: z.literal("origin"),
          pool: z.string(),
          origin: z.string(),
          basis: Basis,
          fallback: z.boolean(),
          panic: z.boolean(),
          ejectionOverride: z.boolean(),
          pinned: z.boolean(),
          message: z.string(),
        }),
        z.object({
          kind: z.literal("error"),
          status: z.union([z.literal(404), z.literal(503)]),
          code: z.enum(["no_route", "no_healthy_origin", "affine_origin_unavailable"]),
          message: z.string(),
        }),
      ])
      .describe("Where the first try goes, or the error Edgeway would answer with."),
    health: z
      .object({ source: z.enum(["isolate", "durable_object", "none"]), generatedAt: z.number().nullable() })
      .describe(
        "The health snapshot explained with: this isolate's, a fresh one from the Durable Object, or none (every origin counts as healthy).",
      ),
    route: z
      .object({ id: z.string(), match: z.object({ host: z.string(), pathPrefix: z.string() }), steering: z.enum(ROUTE_STEERING) })
      .nullable(),
    routesConsidered: z.array(
      z.object({
        id: z.string(),
        match: z.object({ host: z.string(), pathPrefix: z.string() }),
        hostMatches: z.boolean(),
        pathMatches: z.boolean(),
        chosen: z.boolean(),
      }),
    ),
    client: z.object({
      ip: ClientString,
      country: ClientString,
      continent: ClientString,
      colo: ClientString,
      lat: ClientNumber,
      lon: ClientNumber,
      location: z
        .object({ lat: z.number(), lon: z.number(), from: z.enum(["coordinates", "colo", "country", "continent"]) })
        .nullable()
        .describe("Where proximity steering places the client."),
    }),
    affinity: z
      .object({
        type: z.enum(["cookie", "header", "ip"]),
        name: z.string().nullable(),
        onFailure: z.enum(["none", "temporary", "sticky"]),
        ttlSeconds: z.number(),
        key: z.string().nullable(),
        cookie: z
          .object({
            present: z.boolean(),
            verdict: z.enum(["absent", "verified", "invalid", "no-key"]),
            pinned: z.string().nullable(),
            state: z.enum(["usable", "unavailable", "none"]),
          })
          .nullable(),
        home: z.object({ pool: z.string(), origin: z.string(), healthy: z.boolean() }).nullable(),
        effect: z.string(),
      })
      .nullable(),
    routeSteering: z
      .object({
        policy: z.enum(ROUTE_STEERING),
        basis: Basis,
        order: z.array(z.string()),
        why: z.string(),
        geoMatch: z.object({ kind: z.enum(["colo", "country", "continent"]), code: z.string() }).nullable(),
        exploreShare: z.number().nullable(),
        latency: LatencyKnobs.describe("latency: the route's latency knobs in force."),
        pools: z.array(
          z.object({
            id: z.string(),
            up: z.boolean(),
            outstanding: z.number(),
            weight: z.number().nullable(),
            share: z.number().nullable(),
            location: Coordinates.nullable(),
            distanceKm: z.number().nullable(),
            latencyMs: z.number().nullable(),
            costMs: z.number().nullable(),
            latencyAgeMs: z.number().nullable(),
            stale: z.boolean().nullable(),
          }),
        ),
      })
      .nullable(),
    pools: z.array(ExplainedPool).describe("The pools in steering's order, then the fallback pool."),
    poolSteering: z
      .object({
        pool: z.string(),
        policy: z.enum(POOL_STEERING),
        steeredBy: z.enum(["policy", "affinity-key", "affinity-cookie"]),
        basis: Basis,
        hashKey: z.object({ from: z.string(), value: z.string().nullable() }).nullable(),
        pick: z.string(),
        why: z.string(),
      })
      .nullable(),
    valves: z.object({ panic: Valve, fallbackPool: Valve, ejectionOverride: Valve, maxEjectionPercent: Valve }).nullable(),
    retries: z
      .object({
        attempts: z.number().int(),
        allowed: z.boolean(),
        why: z.string(),
        on: z.array(z.string()),
        methods: z.array(z.string()),
        budgetPercent: z.number(),
        minRetriesPerSecond: z.number(),
        maxBodyBytes: z.number(),
        timeoutMs: z.number(),
        perTryTimeoutMs: z.number().nullable(),
        hedgeDelayMs: z.number().nullable(),
        tries: z.array(PlannedTry).describe("The first try, then where each retry would go if every try before it failed."),
      })
      .nullable(),
    trace: z
      .object({
        traceId: z.string(),
        continued: z.boolean().describe("True when a valid traceparent header was given: its trace goes on, a new span per try."),
        requestId: z.string().describe("The x-request-id given when valid, else the one Edgeway would make."),
      })
      .describe("The W3C trace and request id the request would carry to its origin."),
    plan: z
      .array(z.string())
      .describe(
        "The stages the matched route's compiled plan runs for such a request, in order (src/request/plan.ts); empty when no route matches.",
      ),
  })
  .openapi("Explanation");
