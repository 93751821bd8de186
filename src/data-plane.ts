/**
 * The request path's conductor: finds the route (the isolate's cached config, the route
 * table), then runs that route's compiled plan (src/request/plan.ts), stage by stage.
 * Every stage is synchronous unless it must wait; the conductor awaits only what a stage
 * hands back as a promise (for most requests, the forward stage's tries), so a request
 * costs one promise chain, not one per stage. Reads only the isolate's cached config and
 * health snapshot; never awaits the Durable Object for a warm isolate.
 */
import type { EdgewayEnv, WaitUntil } from "./env.ts";
import { isolate, reportConfigProblem } from "./isolate.ts";
import type { LoadedConfig } from "./config/store.ts";
import { RequestContext } from "./request/stage.ts";
import { errorBeforePlan, internalErrorOrThrow as failed } from "./request/errors.ts";
import { matchRoute } from "./request/match.ts";
import { planFor } from "./request/plan.ts";
import { passiveColo } from "./state/colo-view.ts";
import { clientOf } from "./request/client.ts";
import { DebugGeoError } from "./routing/client.ts";

export { clientOf, debugHeadersEnabled } from "./request/client.ts";

/**
 * The colo whose latency estimates (and passive health) a request reads and feeds: the
 * debug geo header's or local variables' `colo=` where allowed, else request.cf.colo read
 * once per isolate (state/colo-view.ts passiveColo: one rule for both).
 */
export const latencyColo = passiveColo;

/**
 * Serves one proxied request; every response Edgeway makes carries the request's id. A
 * returned promise never rejects for an Error (it becomes the JSON 500), so the caller adds
 * no promise of its own to catch one; an Error thrown before the first wait is thrown.
 */
export function handleDataPlane(request: Request, env: EdgewayEnv, ctx: WaitUntil, href = request.url): Response | Promise<Response> {
  const startedAt = Date.now();
  // A warm isolate has its config already: a stale one is refreshed in the background.
  const loaded = isolate.config.peek(env.CONFIG, startedAt, ctx, reportConfigProblem);
  // Nothing staged (the usual case) costs one property read.
  if (loaded !== undefined)
    return route(request, href, env, ctx, startedAt, loaded.staged === undefined ? loaded : forColo(loaded, request, env));
  return isolate.config
    .get(env.CONFIG, startedAt, (p) => ctx.waitUntil(p), reportConfigProblem)
    .then((cold) => {
      if (cold !== undefined)
        return route(request, href, env, ctx, startedAt, cold.staged === undefined ? cold : forColo(cold, request, env));
      const problem = isolate.config.lastProblem;
      if (problem !== undefined)
        return errorBeforePlan(
          request,
          503,
          "config_unavailable",
          `Edgeway could not load its configuration (${problem.kind}: ${problem.message}) and has no earlier one to serve with`,
        );
      return errorBeforePlan(request, 503, "no_config", "Edgeway has no configuration: PUT a config document to /_edgeway/config");
    })
    .catch((error: unknown) => failed(error, request));
}

/**
 * With a staged change in flight, the version the request's colo serves: the candidate where
 * the stage puts it in force (config/staged.ts), else the version in force. The colo is the
 * one passive health counts the request under; a bad debug geo header serves the version in
 * force (the client stage answers it with its 400).
 */
function forColo(loaded: LoadedConfig, request: Request, env: EdgewayEnv): LoadedConfig {
  const staged = loaded.staged;
  if (staged === undefined) return loaded;
  try {
    return staged.inForceIn(latencyColo(clientOf(request, env))) ? staged.candidate : loaded;
  } catch (error) {
    if (error instanceof DebugGeoError) return loaded;
    throw error;
  }
}

const COLON = 58;

/** The route for the request (stage `match`), then its plan. */
function route(
  request: Request,
  href: string,
  env: EdgewayEnv,
  ctx: WaitUntil,
  startedAt: number,
  loaded: LoadedConfig,
): Response | Promise<Response> {
  const url = new URL(href);
  const host = url.host;
  const matched = matchRoute(request, url, host, loaded.compiled);
  if (matched instanceof Response) return matched;
  const plan = planFor(matched.route, env);
  const context = new RequestContext(request, env, ctx, startedAt, url, loaded.compiled, matched.compiled, matched.route, plan);
  context.matchedPath = matched.path;
  context.host = host;
  // "https://…" or "http://…": the scheme without a URL getter.
  context.proto = href.charCodeAt(4) === COLON ? "http" : "https";
  return runPlan(context);
}

/**
 * Runs the request's plan from its first stage. An Error a stage throws before the first
 * wait is thrown; once a stage has handed back a promise, any Error (rejected or thrown by a
 * later stage) becomes the JSON 500, so the promise returned never rejects for one.
 */
export function runPlan(context: RequestContext): Response | Promise<Response> {
  return run(context, 0);
}

/**
 * Runs the plan's stages from `from`: each in turn until one answers (then only the
 * stages marked `always` run) or hands back a promise (then the rest run when it settles).
 */
function run(context: RequestContext, from: number): Response | Promise<Response> {
  const stages = context.plan.stages;
  for (let i = from; i < stages.length; i++) {
    const stage = stages[i];
    if (stage === undefined || (context.answered && stage.always !== true)) continue;
    const result = stage.run(context);
    if (result === undefined) continue;
    // One promise for the wait, settled into the rest of the plan or the JSON 500.
    if (result instanceof Promise)
      return result.then(
        (answer) => resume(context, answer, i + 1),
        (error: unknown) => failed(error, context.request),
      );
    context.answer(result);
  }
  return context.finalResponse();
}

function resume(context: RequestContext, answer: Response | undefined, next: number): Response | Promise<Response> {
  try {
    if (answer !== undefined) context.answer(answer);
    // A cold isolate's health stage may have matched the route again with registered origins.
    if (context.route !== context.plan.route) context.plan = planFor(context.route, context.env);
    return run(context, next);
  } catch (error) {
    return failed(error, context.request);
  }
}
