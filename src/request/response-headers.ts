/**
 * Stage `response-headers` (routes with a ResponseHeaderModifier filter, or one in their
 * `poolFilters`): edits the headers of the response to the client — the route's edits,
 * then those of the pool whose origin answered (Gateway API backendRef filters: the more
 * specific edit comes last and wins). The origin's own response, passed on as it came,
 * has headers that cannot change: it is copied first. The redirect and fixed-response
 * stages make the route's edits on their own responses.
 */
import type { CompiledRoute } from "../config/compile.ts";
import { applyHeaderEdits, filterEdits, poolFilterEdits } from "../proxy/header-edits.ts";
import type { HeaderEdits } from "../proxy/header-edits.ts";
import type { Stage } from "./stage.ts";

/** The route's own response header edits (its ResponseHeaderModifier filters, in order), if any. */
export function routeResponseEdits(route: CompiledRoute): HeaderEdits | undefined {
  return filterEdits(route.source.filters, "response");
}

/** The stage, or undefined when neither the route nor any of its pools edits response headers. */
export function responseHeadersStage(route: CompiledRoute): Stage | undefined {
  const own = routeResponseEdits(route);
  const byPool = poolFilterEdits(route.source.poolFilters, "response");
  if (own === undefined && byPool.size === 0) return undefined;
  return {
    name: "response headers",
    run(context) {
      const { last } = context;
      // A pool's edits are for the responses its origins give, not for Edgeway's 502 after a failed try.
      const pool = byPool.size === 0 || last?.kind !== "response" ? undefined : byPool.get(last.selection.pool.id);
      let response = context.response;
      if (response === undefined || (own === undefined && pool === undefined)) return undefined;
      if (context.untouched) {
        // An origin's 101 carries its socket and cannot be copied; the WebSocket relay answers with its own.
        if (response.status === 101) return undefined;
        response = new Response(response.body, response);
        context.response = response;
        context.untouched = false;
      }
      if (own !== undefined) applyHeaderEdits(response.headers, own);
      if (pool !== undefined) applyHeaderEdits(response.headers, pool);
      return undefined;
    },
  };
}
