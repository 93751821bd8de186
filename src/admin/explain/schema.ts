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
const ValueMatch = z.object({ name: z.string(), type: z.string(), value: z.string() });
const ExplainedMatch = z.object({
  host: z.string(),
  pathPrefix: z.string().optional(),
  path: z.object({ type: z.enum(["Exact", "RegularExpression"]), value: z.string() }).optional(),
  method: z.string().optional(),
  headers: z.array(ValueMatch).optional(),
  queryParams: z.array(ValueMatch).optional(),
});

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
      .object({ id: z.string(), match: ExplainedMatch.describe("The route's match that held."), steering: z.enum(ROUTE_STEERING) })
      .nullable(),
    routesConsidered: z.array(
      z.object({
        id: z.string(),
        match: ExplainedMatch.describe("The route's match that held, else its first."),
        hostMatches: z.boolean(),
        pathMatches: z.boolean(),
        chosen: z.boolean(),
      }),
    ),
    matching: z
      .object({
        candidates: z.array(
          z.object({
            route: z.string(),
            match: z.number().describe("The match's index in the route's list of matches."),
            host: z.string(),
            held: z.boolean(),
            fields: z.array(z.object({ field: z.string(), want: z.string(), got: z.string().nullable(), held: z.boolean() })),
          }),
        ),
        winner: z.object({ route: z.string(), match: z.number() }).nullable(),
        why: z.string().describe("Why the winner beat the next match that held: a more specific host, or a rule of HTTPRoute precedence."),
      })
      .describe("Every match whose host covers the request's, in the order the route table tries them, with each field's verdict."),
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
        traceId: z
          .string()
          .nullable()
          .describe(
            'The trace the tries would be spans of; null on a `traceContext: "continue"` route without a valid traceparent (none is sent).',
          ),
        continued: z.boolean().describe("True when a valid traceparent header was given: its trace goes on, a new span per try."),
        requestId: z.string().describe("The x-request-id given when valid, else the one Edgeway would make."),
      })
      .describe("The W3C trace and request id the request would carry to its origin."),
    plan: z
      .array(z.string())
      .describe(
        "The stages the matched route's compiled plan runs for such a request, in order (src/request/plan.ts); empty when no route matches.",
      ),
    rollout: z
      .object({
        id: z.string(),
        target: z.string().describe("The target pool."),
        weight: z.number().describe("Percent of the route's first tries to the target."),
        stage: z.enum(["ab-test", "weighted"]),
        matchesAbTest: z.boolean().nullable().describe("During the A/B stage: whether this request carries the header or cookie."),
        targetShare: z.number().describe("The share of first tries the target pool takes (for this request during the A/B stage)."),
        routeShare: z.number().describe("The share the route's own steering keeps, the target pool left out of its first choice."),
        why: z.string(),
      })
      .nullable()
      .describe("The rollout on the matched route and its share in the route's split (docs/rollouts.md); null when none."),
  })
  .openapi("Explanation");
