/**
 * GET /_edgeway/explain?url=…: which route, pool and origin Edgeway would pick for a
 * request like this one, and why (src/steering/explain/ builds the answer). The handler
 * gathers what the data plane would steer with — the config in force with registrations
 * and overrides, this isolate's health snapshot (refreshed from the Durable Object first
 * when it has none or it is stale), its ejections and its signals — and hands copies to
 * the explanation, so explaining never moves the live isolate's rotations, trackers or
 * ejections and records nothing.
 *
 * Inputs the caller does not give are taken from this call itself, as the data plane
 * would read them from a request sent from the same place: geo from request.cf (or the
 * x-edgeway-debug-geo header where debug headers are on), the IP from cf-connecting-ip.
 * A request that matches no route still answers 200: the explanation says Edgeway would
 * answer 404 no_route and lists the routes it considered.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { isolate, reportConfigProblem } from "../isolate.ts";
import { clientOf, debugHeadersEnabled } from "../data-plane.ts";
import { DebugGeoError, DEBUG_GEO_HEADER, parseDebugGeo } from "../routing/client.ts";
import type { ClientInfo } from "../routing/client.ts";
import { effectiveConfig } from "../discovery/effective-config.ts";
import { originStateStub } from "../state/origin-state.ts";
import { withDeadline } from "../state/deadline.ts";
import { HealthSnapshotSchema } from "../health/snapshot.ts";
import type { HealthSnapshot } from "../health/snapshot.ts";
import { SNAPSHOT_TIMEOUT_MS } from "../state/snapshot-cache.ts";
import { cookieSigningKey, verifyPin } from "../steering/affinity-cookie.ts";
import { explain, explainHealth } from "../steering/explain/index.ts";
import type { ClientField, ExplainRequest, HealthSource } from "../steering/explain/index.ts";
import type { SteeringSignals } from "../steering/types.ts";
import { POOL_STEERING, ROUTE_STEERING } from "../config/schema.ts";
import { OVERRIDE_KINDS } from "../config/overrides.ts";
import { EJECTION_KINDS } from "../health/outlier.ts";
import { errorMessage, log } from "../observe/log.ts";
import type { EdgewayEnv } from "../env.ts";
import { jsonError } from "./errors.ts";
import { adminRoutes, ErrorSchema, errorResponses, jsonResponse } from "./openapi.ts";

// ---- query ---------------------------------------------------------------------------

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Problems with a `url` value, or undefined when it is an absolute http(s) URL. */
function urlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `not an absolute URL: ${JSON.stringify(value)} (e.g. https://app.example.com/path)`;
  }
  return url.protocol === "http:" || url.protocol === "https:" ? undefined : `must be http:// or https://, got ${url.protocol}//`;
}

/** A `header` value split into name and value, or a problem. */
function splitHeader(text: string): { name: string; value: string } | string {
  const colon = text.indexOf(":");
  if (colon <= 0) return `"${text}" is not "name: value"`;
  const name = text.slice(0, colon).trim();
  const value = text.slice(colon + 1).trim();
  if (!TOKEN.test(name)) return `"${name}" is not a header name`;
  if (/[\0\r\n]/.test(value)) return `the value of ${name} contains a line break or NUL`;
  return { name: name.toLowerCase(), value };
}

/** A `cookie` value split into name and value, or a problem. */
function splitCookie(text: string): { name: string; value: string } | string {
  const eq = text.indexOf("=");
  if (eq <= 0) return `"${text}" is not "name=value"`;
  const name = text.slice(0, eq).trim();
  const value = text.slice(eq + 1).trim();
  if (!TOKEN.test(name)) return `"${name}" is not a cookie name`;
  if (/[;\0\r\n]/.test(value)) return `the value of ${name} contains ";", a line break or NUL`;
  return { name, value };
}

function geoProblem(text: string): string | undefined {
  try {
    parseDebugGeo(text, undefined);
    return undefined;
  } catch (error) {
    if (error instanceof DebugGeoError) return error.message.replace(`${DEBUG_GEO_HEADER}: `, "");
    throw error;
  }
}

/** IPv4 dotted quad or IPv6 (hex groups, "::", an embedded IPv4 tail). */
const IP = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)$/;

/** One query value, given once. */
function single(description: string, required: boolean) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? (required ? "required" : "invalid") : "give it once") })
    .describe(description);
}

/** A repeatable query value: one string or several; each checked by `problem`. */
function repeatable(description: string, problem: (text: string) => string | undefined) {
  return z
    .union([z.string(), z.array(z.string())])
    .superRefine((value, ctx) => {
      const list = typeof value === "string" ? [value] : value;
      list.forEach((text, i) => {
        const p = problem(text);
        if (p !== undefined) ctx.addIssue({ code: "custom", message: p, path: typeof value === "string" ? [] : [i] });
      });
    })
    .optional()
    .describe(description);
}

const ExplainQuery = z.strictObject({
  url: single("The request to explain: an absolute http:// or https:// URL. Its host and path pick the route.", true)
    .superRefine((value, ctx) => {
      const p = urlProblem(value);
      if (p !== undefined) ctx.addIssue({ code: "custom", message: p });
    })
    .openapi({ example: "https://app.example.com/api/users" }),
  method: single("The request method (default GET); decides whether retries and hedging apply.", false)
    .regex(/^[A-Za-z]{1,20}$/, "must be an HTTP method, e.g. GET")
    .optional()
    .openapi({ example: "GET" }),
  geo: single(
    `Where the client is, in the syntax of the ${DEBUG_GEO_HEADER} header: "country=DE; continent=EU; lat=52.52; lon=13.40; colo=FRA" (any subset). Replaces request.cf as a whole; default: this call's own.`,
    false,
  )
    .superRefine((value, ctx) => {
      const p = geoProblem(value);
      if (p !== undefined) ctx.addIssue({ code: "custom", message: p });
    })
    .optional()
    .openapi({ example: "country=DE; continent=EU; colo=FRA" }),
  ip: single("The client IP, for ip hashing and ip affinity (default: this call's cf-connecting-ip).", false)
    .regex(IP, "must be an IPv4 or IPv6 address")
    .optional()
    .openapi({ example: "203.0.113.7" }),
  header: repeatable('A request header as "name: value", for hash-on-header and header affinity; repeat for more.', (t) => {
    const h = splitHeader(t);
    return typeof h === "string" ? h : undefined;
  }).openapi({ example: "x-user: alice" }),
  cookie: repeatable('A cookie as "name=value", for hash-on-cookie and affinity-cookie pins; repeat for more.', (t) => {
    const c = splitCookie(t);
    return typeof c === "string" ? c : undefined;
  }).openapi({ example: "__edgeway_affinity=eu-1.1790000000.AbC" }),
});

type Query = z.output<typeof ExplainQuery>;

function asList(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : typeof value === "string" ? [value] : value;
}

// ---- response --------------------------------------------------------------------------

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

const ExplainedOrigin = z
  .object({
    id: z.string(),
    url: z.string(),
    registered: z.boolean().describe("Joined by registration rather than the config document."),
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
      .enum(["disabled", "weight-zero", "unhealthy", "ejected", "pool-down"])
      .nullable()
      .describe("Why it is not a candidate: its own state first, else its pool being down."),
    share: z.number().describe("Its share of the pool's requests under the pool's steering, 0–1."),
    latencyMs: z.number().nullable().describe("This isolate's peak-EWMA latency estimate."),
    outstanding: z.number().describe("Requests in flight to it from this isolate."),
  })
  .openapi("ExplainedOrigin");

const ExplainedPool = z
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

const Explanation = z
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
  })
  .openapi("Explanation");

// ---- gathering -------------------------------------------------------------------------

/** The client from the query, falling back to what this call itself carries. */
function clientFor(query: Query, request: Request, env: EdgewayEnv): Pick<ExplainRequest, "client" | "clientSources"> {
  const ownIp = request.headers.get("cf-connecting-ip") ?? undefined;
  const ip = query.ip ?? ownIp;
  const ipSource = query.ip !== undefined ? "ip parameter" : "cf-connecting-ip";
  let client: ClientInfo;
  let geoSource: string;
  if (query.geo !== undefined) {
    client = parseDebugGeo(query.geo, ip);
    geoSource = "geo parameter";
  } else {
    client = clientOf(request, env, ip);
    geoSource = debugHeadersEnabled(env) && request.headers.has(DEBUG_GEO_HEADER) ? `${DEBUG_GEO_HEADER} header` : "request.cf";
  }
  const sources: Partial<Record<ClientField, string>> = {};
  for (const field of ["country", "continent", "colo", "lat", "lon"] as const) if (client[field] !== undefined) sources[field] = geoSource;
  if (client.ip !== undefined) sources.ip = ipSource;
  return { client, clientSources: sources };
}

function headersFor(query: Query): Headers {
  const headers = new Headers();
  const cookies: string[] = [];
  for (const text of asList(query.header)) {
    const h = splitHeader(text);
    if (typeof h === "string") continue; // unreachable: the query schema checked it
    if (h.name === "cookie") cookies.push(h.value);
    else headers.append(h.name, h.value);
  }
  for (const text of asList(query.cookie)) {
    const c = splitCookie(text);
    if (typeof c !== "string") cookies.push(`${c.name}=${c.value}`);
  }
  // One Cookie header, "; "-joined, as a user agent sends it (RFC 6265 §5.4).
  if (cookies.length > 0) headers.set("cookie", cookies.join("; "));
  return headers;
}

/**
 * This isolate's snapshot when fresh; else a fresh one from the Durable Object, installed
 * here as a background refresh would install it (so the explanation and this isolate's
 * next request steer by the same snapshot); else whatever this isolate has.
 */
async function snapshotFor(
  env: EdgewayEnv,
  colo: string,
  now: number,
): Promise<{ snapshot: HealthSnapshot | undefined; source: HealthSource }> {
  const own = isolate.health.current;
  const ownSource = (): HealthSource =>
    own === undefined ? { source: "none", generatedAt: null } : { source: "isolate", generatedAt: own.generatedAt };
  if (own !== undefined && !isolate.health.isStale(now)) return { snapshot: own, source: ownSource() };
  try {
    const fresh = HealthSnapshotSchema.parse(
      await withDeadline(originStateStub(env).snapshot(colo), SNAPSHOT_TIMEOUT_MS, "the Durable Object's snapshot"),
    );
    isolate.health.set(fresh, Date.now());
    return { snapshot: fresh, source: { source: "durable_object", generatedAt: fresh.generatedAt } };
  } catch (error) {
    log("warn", "explain_snapshot_unavailable", { message: errorMessage(error) });
    return { snapshot: own, source: ownSource() };
  }
}

/** A frozen copy of this isolate's signals (latency seeded from the snapshot, as a refresh seeds it). */
function signalsCopy(keys: Iterable<string>, snapshot: HealthSnapshot | undefined): SteeringSignals {
  const latency = new Map(isolate.latency.entries());
  for (const [key, ewma] of Object.entries(snapshot?.latency ?? {})) if (!latency.has(key)) latency.set(key, ewma);
  const outstanding = new Map<string, number>();
  for (const key of keys) outstanding.set(key, isolate.outstanding.get(key));
  return { outstanding: (key) => outstanding.get(key) ?? 0, latencyMs: (key) => latency.get(key) };
}

/** Checks affinity cookies with the key the data plane signs them with (AFFINITY_KEY, else ADMIN_TOKEN). */
function cookieVerifier(env: EdgewayEnv, now: number): ((routeId: string, value: string) => Promise<string | undefined>) | undefined {
  const key = cookieSigningKey(env);
  if (key === undefined) return undefined;
  return async (routeId, value) => verifyPin(await key, routeId, value, now);
}

// ---- the endpoint ----------------------------------------------------------------------

export const explainRoutes = adminRoutes();

explainRoutes.openapi(
  createRoute({
    method: "get",
    path: "/explain",
    tags: ["Explain"],
    summary: "Which route, pool and origin a request would go to, and why",
    description:
      "Runs Edgeway's steering for a described request without sending it and without disturbing live steering state: the route matched (or the routes considered), the client as steering sees it, the route policy's pool order and its inputs, each pool's health counts, panic and candidates, the pool policy's shares and pick, affinity, the safety valves (panic, fallback pool, ejection override, maxEjectionPercent) and the retry plan. A request that matches no route answers 200 with outcome `no_route`.",
    request: { query: ExplainQuery },
    responses: {
      200: jsonResponse(Explanation, "The explanation."),
      ...errorResponses,
      409: jsonResponse(ErrorSchema, "No config is stored yet: nothing to explain."),
    },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const now = Date.now();
    const loaded = await isolate.config.get(c.env.CONFIG, now, (p) => c.executionCtx.waitUntil(p), reportConfigProblem);
    if (loaded === undefined) return jsonError(409, "no_config", "no config is stored yet: PUT one to /_edgeway/config") as never;
    const url = new URL(query.url);
    let facts: Pick<ExplainRequest, "client" | "clientSources">;
    try {
      facts = clientFor(query, c.req.raw, c.env);
    } catch (error) {
      // Only this call's own debug header can fail here: the geo parameter was checked by the schema.
      if (error instanceof DebugGeoError) return jsonError(400, "invalid_request", error.message) as never;
      throw error;
    }
    const { client, clientSources } = facts;
    const { snapshot, source } = await snapshotFor(c.env, client.colo ?? "local", now);
    const config = effectiveConfig(loaded.compiled, snapshot);
    const keys = [...config.origins.keys(), ...[...config.pools.values()].map((p) => p.key)];
    const explanation = await explain({
      config,
      configured: loaded.compiled,
      request: { url, method: (query.method ?? "GET").toUpperCase(), headers: headersFor(query), client, clientSources },
      health: explainHealth(snapshot, isolate.outliers.ejections(now), config, now, source),
      signals: signalsCopy(keys, snapshot),
      random: Math.random,
      now,
      verifyCookie: cookieVerifier(c.env, now),
    });
    return c.json(explanation, 200);
  },
);
