/**
 * GET /_edgeway/health: every configured and registered origin with its health, the pools
 * it serves, whether outlier detection has ejected it, and (from the Durable Object) its
 * recent probes, transitions, ejections and traffic. When the Durable
 * Object cannot be reached the isolate's snapshot answers, and the body says so.
 */
import { z } from "@hono/zod-openapi";
import { adminRoutes, errorResponses, jsonResponse } from "./openapi.ts";
import { isolate, reportConfigProblem } from "../isolate.ts";
import { originStateStub } from "../state/origin-state.ts";
import type { OriginDetails } from "../state/origin-state.ts";
import { isHealthyIn } from "../health/snapshot.ts";
import { ejectionInForce } from "../health/passive.ts";
import { errorMessage } from "../observe/log.ts";
import { plansByOrigin } from "../health/monitoring.ts";
import { reasonToShow, regionView } from "./region-view.ts";

export const healthRoutes = adminRoutes();

healthRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/health",
  tags: ["Health"],
  summary: "Every origin's health, ejection, recent probes, transitions and traffic",
  responses: {
    200: jsonResponse(
      z.object({
        configVersion: z.number().nullable(),
        source: z.enum(["durable_object", "isolate_snapshot"]),
        error: z.string().optional(),
        origins: z.record(z.string(), z.object({ healthy: z.boolean(), reason: z.string(), ejected: z.boolean() }).passthrough()),
      }),
      "Health by origin id; `source` says whether the Durable Object answered or this isolate's snapshot stood in.",
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
  const plans = plansByOrigin(loaded?.compiled);
  /** What the Durable Object keeps of an origin, or the snapshot's view when it could not be reached. */
  const view = (id: string, d: OriginDetails | undefined): Record<string, unknown> => {
    const fromSnapshot = snapshot?.origins[id];
    return {
      healthy: d?.healthy ?? isHealthyIn(snapshot, id),
      reason: reasonToShow(plans.get(id), d, fromSnapshot),
      since: d?.since ?? fromSnapshot?.since ?? null,
      ejected: ejectionInForce(isolate.outliers, snapshot, id, now) !== undefined || d?.ejection !== undefined,
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
            ejections: d.ejections,
            traffic: d.traffic,
          }),
    };
  };
  const origins: Record<string, unknown> = {};
  for (const origin of loaded?.compiled.origins.values() ?? []) {
    const pools = [...(loaded?.compiled.pools.values() ?? [])].filter((p) => p.origins.includes(origin)).map((p) => p.id);
    origins[origin.id] = { enabled: origin.enabled, weight: origin.weight, pools, ...view(origin.id, details?.[origin.id]) };
  }
  // Self-registered origins: health from their heartbeats.
  for (const [id, d] of Object.entries(details ?? {})) {
    const reg = d.registration;
    if (reg === undefined || origins[id] !== undefined) continue;
    origins[id] = {
      enabled: true,
      weight: reg.weight,
      pools: [reg.pool],
      registered: { url: reg.url, ttlSeconds: reg.ttlSeconds, lastHeartbeat: reg.lastHeartbeat },
      ...view(id, d),
    };
  }
  return c.json({ configVersion: loaded?.envelope.version ?? null, source, ...(error === undefined ? {} : { error }), origins });
});
