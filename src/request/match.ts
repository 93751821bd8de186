/**
 * Stage `match`, the one before every plan: the route for the request, looked up in the
 * route table of the config in force with the origins that registered themselves and the
 * admin overrides (discovery/effective-config.ts, remade only when those change), and the
 * 404 that says no route serves it. The matched route's plan runs next (data-plane.ts).
 */
import type { CompiledConfig, CompiledRoute } from "../config/compile.ts";
import type { PathMatch } from "../config/match-schema.ts";
import { effectiveConfig } from "../discovery/effective-config.ts";
import { isolate } from "../isolate.ts";
import { errorBeforePlan } from "./errors.ts";
import { requestMetrics } from "./series.ts";

export interface Matched {
  readonly route: CompiledRoute;
  /** The path match that held. */
  readonly path: PathMatch;
  /** The config the route was found in. */
  readonly compiled: CompiledConfig;
}

/** The route for `url` in `base` as the isolate's snapshot completes it, or Edgeway's 404. */
export function matchRoute(request: Request, url: URL, host: string, base: CompiledConfig): Matched | Response {
  const compiled = effectiveConfig(base, isolate.health.current);
  // The request and its URL are read only by a route that matches on a method, header or query parameter.
  const hit = compiled.table.match(host, url.pathname, request, url);
  if (hit !== undefined) return { route: hit.route, path: hit.path, compiled };
  requestMetrics.unmatched.inc();
  return errorBeforePlan(request, 404, "no_route", `no route for ${url.hostname}${url.pathname}`);
}
