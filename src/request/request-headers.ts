/**
 * Stage `request-headers` (routes with a RequestHeaderModifier filter, Gateway API
 * HTTPHeaderFilter): the route's set, add and remove edits, prepared once per route (names
 * lower-cased) and left in `context.requestEdits`; the forward stage makes them on the
 * origin's headers in the same pass that builds them (proxy/headers.ts
 * originRequestHeaders), so the client's headers are copied once, as on any route. A
 * mirror sends the edited headers too. Per-pool edits (`poolFilters`) are made per try, on
 * the tries to that pool (proxy/route-extras.ts, proxy/try-dress.ts).
 */
import type { CompiledRoute } from "../config/compile.ts";
import { filterEdits } from "../proxy/header-edits.ts";
import type { Stage } from "./stage.ts";

/** The stage, or undefined when the route edits no request header. */
export function requestHeadersStage(route: CompiledRoute): Stage | undefined {
  const edits = filterEdits(route.source.filters, "request");
  if (edits === undefined) return undefined;
  return {
    name: "request headers",
    run(context) {
      context.requestEdits = edits;
      return undefined;
    },
  };
}
