/**
 * Route matching: which route serves a request, by host then path prefix. The most
 * specific route wins: an exact host beats "*.suffix" (a longer suffix beats a shorter
 * one), which beats "*"; within a host, the longest pathPrefix wins; a tie keeps the
 * config's order. Compiled once per config version so matching is a few map look-ups.
 */

/** What matching needs of a route. */
export interface MatchableRoute {
  readonly id: string;
  readonly match: { readonly host: string; readonly pathPrefix: string };
}

/** A compiled route table: call `match` per request. */
export interface RouteTable<R extends MatchableRoute> {
  match(host: string, path: string): R | undefined;
}

/** "/api" matches "/api", "/api/" and "/api/x", but not "/apix"; "/" matches all. */
export function pathMatches(prefix: string, path: string): boolean {
  if (prefix === "/" || path === prefix) return true;
  if (!path.startsWith(prefix)) return false;
  return prefix.endsWith("/") || path.charCodeAt(prefix.length) === 47; /* "/" */
}

function byPrefixLength<R extends MatchableRoute>(routes: R[]): R[] {
  // Array.prototype.sort is stable, so equal prefixes keep config order.
  return routes.sort((a, b) => b.match.pathPrefix.length - a.match.pathPrefix.length);
}

function firstByPath<R extends MatchableRoute>(routes: readonly R[] | undefined, path: string): R | undefined {
  if (routes === undefined) return undefined;
  for (const route of routes) if (pathMatches(route.match.pathPrefix, path)) return route;
  return undefined;
}

/** Strips the port and a trailing dot, lower-cases. */
export function normaliseHost(host: string): string {
  let h = host.toLowerCase();
  if (h.startsWith("[")) {
    const end = h.indexOf("]");
    return end > 0 ? h.slice(0, end + 1) : h;
  }
  const colon = h.lastIndexOf(":");
  if (colon >= 0) h = h.slice(0, colon);
  return h.endsWith(".") ? h.slice(0, -1) : h;
}

/** Builds the table; routes are grouped by host kind and sorted once. */
export function compileRouteTable<R extends MatchableRoute>(routes: readonly R[]): RouteTable<R> {
  const exact = new Map<string, R[]>();
  const wildcard = new Map<string, R[]>(); // key: ".example.com"
  const any: R[] = [];
  for (const route of routes) {
    const host = route.match.host.toLowerCase();
    if (host === "*") any.push(route);
    else if (host.startsWith("*.")) pushTo(wildcard, host.slice(1), route);
    else pushTo(exact, host, route);
  }
  for (const list of exact.values()) byPrefixLength(list);
  for (const list of wildcard.values()) byPrefixLength(list);
  byPrefixLength(any);
  const hasWildcards = wildcard.size > 0;

  return {
    match(rawHost: string, path: string): R | undefined {
      const host = normaliseHost(rawHost);
      const hit = firstByPath(exact.get(host), path);
      if (hit !== undefined) return hit;
      if (hasWildcards) {
        // Longest suffix first: "a.b.example.com" tries ".b.example.com", ".example.com", ".com".
        for (let dot = host.indexOf("."); dot >= 0; dot = host.indexOf(".", dot + 1)) {
          const found = firstByPath(wildcard.get(host.slice(dot)), path);
          if (found !== undefined) return found;
        }
      }
      return firstByPath(any, path);
    },
  };
}

function pushTo<R>(map: Map<string, R[]>, key: string, value: R): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
