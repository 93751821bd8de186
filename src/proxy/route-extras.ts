/**
 * What a route adds to each origin's extras (origin-extras.ts): a URLRewrite's `hostname`,
 * which becomes the Host the origin sees exactly as an origin's own `host` option does
 * (config/origin-host.ts; the route's name wins over the origin's), and the request header
 * edits its `poolFilters` give the pool a try goes to (Gateway API backendRef filters).
 * Prepared once per route and kept per origin's extras, so a try reads a cached object;
 * a route with neither gets the plain origin extras, untouched.
 */
import type { CompiledOrigin, CompiledRoute } from "../config/compile.ts";
import { originTarget } from "../config/origin-host.ts";
import type { Selection } from "../steering/select.ts";
import { poolFilterEdits } from "./header-edits.ts";
import type { HeaderEdits } from "./header-edits.ts";
import { originExtras } from "./origin-extras.ts";
import type { OriginExtras } from "./origin-extras.ts";

/** The URLRewrite hostname of the route's filters, if any. */
export function rewriteHostname(route: CompiledRoute): string | undefined {
  for (const filter of route.source.filters ?? [])
    if (filter.type === "URLRewrite" && filter.urlRewrite.hostname !== undefined) return filter.urlRewrite.hostname;
  return undefined;
}

/** An origin's extras as the route changes them. */
function withRoute(base: OriginExtras, origin: CompiledOrigin, hostname: string | undefined, edits: HeaderEdits | undefined): OriginExtras {
  return {
    headers: base.headers,
    target: hostname === undefined ? base.target : originTarget(new URL(origin.url), hostname),
    fetcher: base.fetcher,
    edits,
  };
}

/**
 * The extras of each try of `route`: the origin's, with the route's rewritten hostname
 * and the pool's request edits. `pools: false` leaves the pool edits out (a mirror's pool
 * is none of the route's).
 */
export function routeExtras(route: CompiledRoute, env: object, pools = true): (selection: Selection) => OriginExtras {
  const hostname = rewriteHostname(route);
  const byPool = pools ? poolFilterEdits(route.source.poolFilters, "request") : new Map<string, HeaderEdits>();
  if (hostname === undefined && byPool.size === 0) return (selection) => originExtras(selection.pool, selection.origin, env);
  // Keyed by the origin's own extras, themselves kept per compiled pool and origin: a new config version starts afresh.
  const made = new WeakMap<OriginExtras, OriginExtras>();
  return (selection) => {
    const { pool, origin } = selection;
    const base = originExtras(pool, origin, env);
    let extras = made.get(base);
    if (extras === undefined) {
      extras = withRoute(base, origin, hostname, byPool.get(pool.id));
      made.set(base, extras);
    }
    return extras;
  };
}
