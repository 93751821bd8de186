/**
 * GET /_edgeway/health: every configured and registered origin with its health, the pools
 * it serves, whether outlier detection has ejected it (in the colo answering: `colo`), and
 * (from the Durable Object) its recent probes, transitions, ejections and traffic, which
 * colos eject it (since when, until when, why) and the global verdict with its votes.
 * Registered origins come a page at a
 * time, with the token that registered each and the policy that admitted it. When the Durable
 * Object cannot be reached the isolate's snapshot answers, and the body says so.
 */
import { z } from "@hono/zod-openapi";
import { adminRoutes, errorResponses, jsonResponse } from "./openapi.ts";
import { isolate, reportConfigProblem } from "../isolate.ts";
import { originStateStub } from "../state/origin-state.ts";
import type { OriginDetails } from "../state/origin-state.ts";
import { isHealthyIn } from "../health/snapshot.ts";
import { ejectionInForce } from "../health/passive.ts";
import { adminColo } from "./colo.ts";
import { errorMessage } from "../observe/log.ts";
import { loadAwarePools, originLoadViews } from "../observe/load-view.ts";
import { mergeLoad } from "../steering/load-weights.ts";
import { SEED_EXPIRY_MS } from "../steering/load-tracker.ts";
import { plansByOrigin } from "../health/monitoring.ts";
import { reasonToShow, regionView } from "./region-view.ts";

export const healthRoutes = adminRoutes();

/** Registered origins shown per page of the health API; `registrationsLimit` and `registrationsOffset` page through the rest. */
export const DEFAULT_REGISTRATIONS_PAGE = 100;

/** A whole-number query parameter within 0…max; the fallback when absent or not a number. */
function pageParam(value: string | undefined, fallback: number, max: number): number {
  const n = Number(value);
  return value === undefined || value === "" || !Number.isInteger(n) ? fallback : Math.min(max, Math.max(0, n));
}

healthRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/health",
  tags: ["Health"],
  summary: "Every origin's health, ejection, recent probes, transitions, traffic and (in load-aware pools) load and live weight",
  description:
    "Configured origins all; registered origins a page at a time (registrationsLimit, default 100, and registrationsOffset), each with the token that registered it and the policy that admitted it.",
  request: { query: z.object({ registrationsOffset: z.string().optional(), registrationsLimit: z.string().optional() }) },
  responses: {
    200: jsonResponse(
      z.object({
        configVersion: z.number().nullable(),
        source: z.enum(["durable_object", "isolate_snapshot"]),
        error: z.string().optional(),
        registrations: z.object({ total: z.number(), offset: z.number(), limit: z.number(), nextOffset: z.number().optional() }),
        colo: z.string(),
        origins: z.record(
          z.string(),
          z
            .object({
              healthy: z.boolean(),
              reason: z.string(),
              ejected: z.boolean(),
              ejectedEverywhere: z.boolean(),
              colos: z
                .record(z.string(), z.object({ ejected: z.boolean(), lastTrafficAt: z.number().nullable() }).passthrough())
                .optional(),
              quorum: z
                .object({ ejected: z.boolean(), failing: z.array(z.string()), voters: z.array(z.string()), needed: z.number() })
                .passthrough()
                .optional(),
            })
            .passthrough(),
        ),
      }),
      "Health by origin id; `source` says whether the Durable Object answered or this isolate's snapshot stood in. `ejected` is the view of the colo answering (`colo`): ejected there or everywhere; `colos` lists the colos that eject the origin or sent it traffic, `quorum` the global verdict and its votes.",
    ),
    ...errorResponses,
  },
});

healthRoutes.get("/health", async (c) => {
  const loaded = await isolate.config.get(c.env.CONFIG, Date.now(), (p) => c.executionCtx.waitUntil(p), reportConfigProblem);
  let details: Record<string, OriginDetails> | undefined;
  let source: "durable_object" | "isolate_snapshot" = "durable_object";
  let error: string | undefined;
  try {
    details = await originStateStub(c.env).details();
  } catch (e) {
    source = "isolate_snapshot";
    error = errorMessage(e);
  }
  const snapshot = isolate.health.current;
  const now = Date.now();
  const colo = adminColo(c.req.raw, c.env);
  const detector = isolate.outliers.peek(colo);
  const plans = plansByOrigin(loaded?.compiled);
  /** What the Durable Object keeps of an origin, or the snapshot's view when it could not be reached. */
  const view = (id: string, d: OriginDetails | undefined): Record<string, unknown> => {
    const fromSnapshot = snapshot?.origins[id];
    return {
      healthy: d?.healthy ?? isHealthyIn(snapshot, id),
      reason: reasonToShow(plans.get(id), d, fromSnapshot),
      since: d?.since ?? fromSnapshot?.since ?? null,
      ejected:
        ejectionInForce(detector, snapshot, id, now, colo) !== undefined || d?.ejection !== undefined || d?.colos[colo]?.ejected === true,
      ejectedEverywhere: d === undefined ? snapshot?.origins[id]?.ejection !== undefined : d.ejection !== undefined,
      // Origins probed from regions: each region's view and the quorum that decides.
      ...regionView(plans.get(id), d),
      ...(d === undefined
        ? {}
        : {
            consecutiveSuccesses: d.consecutiveSuccesses,
            consecutiveFailures: d.consecutiveFailures,
            lastProbeAt: d.lastProbeAt,
            history: d.history,
            transitions: d.transitions,
            ejection: d.ejection ?? null,
            colos: d.colos,
            quorum: d.quorum,
            ejections: d.ejections,
            traffic: d.traffic,
          }),
    };
  };
  // Load-aware pools: what this isolate has heard of its origins' load, with the newest any colo has passed on.
  const loads = originLoadViews(
    loadAwarePools(loaded?.compiled),
    (id) => {
      const reported = details?.[id]?.load;
      const local = isolate.load.load(id);
      return reported === undefined ? local : mergeLoad(local, reported, SEED_EXPIRY_MS);
    },
    now,
  );
  const origins: Record<string, unknown> = {};
  for (const origin of loaded?.compiled.origins.values() ?? []) {
    const pools = [...(loaded?.compiled.pools.values() ?? [])].filter((p) => p.origins.includes(origin)).map((p) => p.id);
    const load = loads.get(origin.id);
    origins[origin.id] = {
      enabled: origin.enabled,
      weight: origin.weight,
      pools,
      ...view(origin.id, details?.[origin.id]),
      ...(load === undefined ? {} : { load }),
    };
  }
  // Self-registered origins, one page of them (ordered by id): health from their heartbeats, who registered them and under which policy.
  const registered = Object.entries(details ?? {})
    .filter(([id, d]) => d.registration !== undefined && origins[id] === undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const offset = pageParam(c.req.query("registrationsOffset"), 0, Number.MAX_SAFE_INTEGER);
  const limit = pageParam(c.req.query("registrationsLimit"), DEFAULT_REGISTRATIONS_PAGE, 1_000);
  for (const [id, d] of registered.slice(offset, offset + limit)) {
    const reg = d.registration;
    if (reg === undefined) continue;
    origins[id] = {
      enabled: true,
      weight: reg.weight,
      pools: [reg.pool],
      registered: {
        url: reg.url,
        ttlSeconds: reg.ttlSeconds,
        lastHeartbeat: reg.lastHeartbeat,
        registrant: reg.registrant ?? null,
        policy: reg.policy ?? null,
      },
      ...view(id, d),
    };
  }
  // Origins discovered through DNS: their source (dns:<name>), state (active, standby, draining) and address.
  const discovered = Object.values(details ?? {}).flatMap((d) => (d.discovered === undefined ? [] : [d.discovered]));
  for (const d of details === undefined ? (snapshot?.discovered ?? []) : discovered) {
    if (origins[d.id] !== undefined) continue;
    origins[d.id] = {
      enabled: true,
      weight: d.weight,
      pools: [d.pool],
      discovered: { source: d.source, state: d.state, since: d.since, address: d.address, url: d.url, tier: d.tier ?? null },
      ...view(d.id, details?.[d.id]),
    };
  }
  let dns: unknown[] | undefined;
  try {
    dns = details === undefined ? undefined : await originStateStub(c.env).discovery();
  } catch {
    dns = undefined;
  }
  const registrations = {
    total: registered.length,
    offset,
    limit,
    ...(offset + limit < registered.length ? { nextOffset: offset + limit } : {}),
  };
  return c.json({
    configVersion: loaded?.envelope.version ?? null,
    source,
    ...(error === undefined ? {} : { error }),
    registrations,
    ...(dns === undefined || dns.length === 0 ? {} : { dns }),
    colo,
    origins,
  });
});
