/**
 * A route's request plan: the stages its requests run, in order, and nothing else. The
 * plan is compiled once per compiled route (so once per config version) and per set of
 * bindings; a stage the route does not use — affinity, a hash key, the WebSocket relay,
 * the debug geo header, the Analytics Engine data point, each filter — is absent, not
 * skipped by a test on every request. Each stage holds what it needs of the route,
 * prepared here.
 *
 * The order, as a request meets it:
 *
 *   identity → client → health → websocket → [affinity cookie | affinity key] → steer
 *   → [rollout] → [rewrite] → [request headers] → forward → [mirror] → [websocket relay]
 *   → [pin cookie] → [response headers] → respond → record
 *
 * identity, client and health come first in every plan that forwards (the health stage
 * may move a request onto the plan of the same route with registered origins and goes on
 * from there). rewrite and request headers only prepare what the forward stage sends; the
 * mirror's copy goes once the client's response is in hand.
 *
 * A route that answers itself (a RequestRedirect or FixedResponse filter) needs no
 * client, health, steering or origin: its plan is identity → redirect | fixed response,
 * the answer carrying the request's id and the route's response header edits.
 */
import type { CompiledRoute } from "../config/compile.ts";
import type { EdgewayEnv } from "../env.ts";
import { affinityCookieStage } from "./affinity-cookie.ts";
import { affinityKeyStage } from "./affinity-key.ts";
import { clientStage, debugClientStage, debugHeadersEnabled } from "./client.ts";
import { fixedResponseStage } from "./fixed-response.ts";
import { forwardStage } from "./forward.ts";
import { healthStage } from "./health.ts";
import { identityStageFor } from "./identity.ts";
import { mirrorStage } from "./mirror.ts";
import { pinCookieStage } from "./pin-cookie.ts";
import { recordStage } from "./record.ts";
import { redirectStage } from "./redirect.ts";
import { requestHeadersStage } from "./request-headers.ts";
import { respondStage } from "./respond.ts";
import { responseHeadersStage } from "./response-headers.ts";
import { rewriteStage } from "./rewrite.ts";
import { rolloutStage } from "./rollout.ts";
import type { RequestPlan, Stage } from "./stage.ts";

export type { RequestPlan };
import { steerStage } from "./steer.ts";
import { websocketRefusalStage, websocketUpgradeStage } from "./websocket-upgrade.ts";
import { websocketRelayStage } from "./websocket-relay.ts";

/** Compiles the plan of `route` for a worker with these bindings. */
export function compilePlan(route: CompiledRoute, env: EdgewayEnv): RequestPlan {
  const answer = redirectStage(route) ?? fixedResponseStage(route);
  const identity = identityStageFor(route);
  if (answer !== undefined) return { route, stages: [identity, answer] };
  const websockets = route.source.websockets;
  const stages: (Stage | undefined)[] = [
    identity,
    debugHeadersEnabled(env) ? debugClientStage(env) : clientStage,
    healthStage,
    websockets ? websocketUpgradeStage : websocketRefusalStage,
    affinityCookieStage(route, env),
    affinityKeyStage(route),
    steerStage(route),
    rolloutStage(route),
    rewriteStage(route),
    requestHeadersStage(route),
    forwardStage(route, env),
    mirrorStage(route, env),
    websockets ? websocketRelayStage(route) : undefined,
    pinCookieStage(route),
    responseHeadersStage(route),
    respondStage,
    recordStage(route, env),
  ];
  return { route, stages: stages.filter((s): s is Stage => s !== undefined) };
}

const plans = new WeakMap<CompiledRoute, { readonly env: EdgewayEnv; readonly plan: RequestPlan }>();

/** The route's plan, compiled on its first request and kept with the compiled route (a new config version starts afresh). */
export function planFor(route: CompiledRoute, env: EdgewayEnv): RequestPlan {
  const held = plans.get(route);
  if (held !== undefined && held.env === env) return held.plan;
  const plan = compilePlan(route, env);
  plans.set(route, { env, plan });
  return plan;
}

/** The names of a plan's stages, in order (what /_edgeway/explain and `npm run bench` show). */
export function stageNames(plan: RequestPlan): string[] {
  return plan.stages.map((s) => s.name);
}
