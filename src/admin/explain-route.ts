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
import { createRoute } from "@hono/zod-openapi";
import { isolate, reportConfigProblem } from "../isolate.ts";
import { latencyColo } from "../data-plane.ts";
import { planFor, stageNames } from "../request/plan.ts";
import { DebugGeoError } from "../routing/client.ts";
import { effectiveConfig } from "../discovery/effective-config.ts";
import { explain, explainHealth, explainRollout } from "../steering/explain/index.ts";
import { rolloutOn } from "../discovery/effective-rollouts.ts";
import type { ExplainRequest } from "../steering/explain/index.ts";
import { jsonError } from "./errors.ts";
import { adminRoutes, ErrorSchema, errorResponses, jsonResponse } from "./openapi.ts";
import { ExplainQuery } from "./explain/query.ts";
import { clientFor, headersFor } from "./explain/request.ts";
import { cookieVerifier, signalsCopy, snapshotFor } from "./explain/live-state.ts";
import { Explanation } from "./explain/schema.ts";
import { requestIdentity } from "../proxy/request-identity.ts";

/** The explain endpoint, mounted on the admin app. */
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
    const colo = latencyColo(client);
    const { snapshot, source } = await snapshotFor(c.env, colo, now);
    // Passive health is per colo: the client's colo's ejections (this isolate's and its colo's), and global verdicts.
    const coloEjections = [...(isolate.outliers.peek(colo)?.ejections(now) ?? []), ...(snapshot?.coloEjections?.[colo] ?? [])]
      // A global verdict already says so; a colo's own ejection is named as such.
      .map((e) => (e.reason.startsWith("ejected everywhere") ? e : { ...e, reason: `ejected in ${colo}: ${e.reason}` }));
    const config = effectiveConfig(loaded.compiled, snapshot);
    const keys = [...config.origins.keys(), ...[...config.pools.values()].map((p) => p.key)];
    const headers = headersFor(query);
    const explanation = await explain({
      config,
      configured: loaded.compiled,
      request: { url, method: (query.method ?? "GET").toUpperCase(), headers, client, clientSources },
      health: explainHealth(snapshot, coloEjections, config, now, source),
      signals: signalsCopy(keys, snapshot, colo, now),
      random: Math.random,
      now,
      verifyCookie: cookieVerifier(c.env, now),
    });
    // The request's id and trace as the data plane would read them from the described headers.
    const matched = explanation.route === null ? undefined : config.routes.find((r) => r.id === explanation.route?.id);
    const identity = requestIdentity(headers, matched?.source.traceContext);
    const trace = { traceId: identity.trace?.traceId ?? null, continued: identity.continued, requestId: identity.requestId };
    // The stages the data plane would run for it: the matched route's plan, as compiled for this worker.
    const plan = matched === undefined ? [] : stageNames(planFor(matched, c.env));
    // A rollout on the route: the share of first tries its target takes (the `rollout` stage's rule).
    const affinity = matched?.source.affinity?.type === "header" || matched?.source.affinity?.type === "ip";
    const rollout = explainRollout(matched === undefined ? undefined : rolloutOn(matched), headers, affinity);
    return c.json({ ...explanation, trace, plan, rollout }, 200);
  },
);
