/**
 * The checks on a route's matches and filters that span fields (the schema checks each
 * field alone, config/match-schema.ts and filter-schema.ts): two matches that say the
 * same on one host (the later could never win), filters that cannot go together, a
 * prefix rewrite without a prefix match, a mirror to a pool the route already sends to,
 * a redirect that would not make a URL, and a route with no pools that does not answer
 * itself. Each issue names the field, as validate.ts's do.
 */
import type { Filter } from "./filter-schema.ts";
import type { RouteMatch } from "./match-schema.ts";
import { matchList, pathOf } from "./match-schema.ts";
import { normalisePrefix } from "../routing/route-match.ts";
import type { Route } from "./schema.ts";

interface Issue {
  readonly path: string;
  readonly message: string;
}

/** What two matches must share to be the same match: host, path, method, headers (names folded) and query parameters, in any order. */
export function matchKey(match: RouteMatch): string {
  const path = pathOf(match);
  const value = path.type === "PathPrefix" ? normalisePrefix(path.value) : path.value;
  const headers = (match.headers ?? []).map((h) => `${h.name.toLowerCase()}\u0000${h.type}\u0000${h.value}`).sort();
  const query = (match.queryParams ?? []).map((q) => `${q.name}\u0000${q.type}\u0000${q.value}`).sort();
  return JSON.stringify([match.host.toLowerCase(), path.type, value, match.method ?? "", headers, query]);
}

/** Whether the route answers requests itself (a redirect or a fixed response) rather than forwarding them. */
export function answersItself(route: Route): boolean {
  return (route.filters ?? []).some((f) => f.type === "RequestRedirect" || f.type === "FixedResponse");
}

const ONCE: readonly Filter["type"][] = [
  "RequestHeaderModifier",
  "ResponseHeaderModifier",
  "URLRewrite",
  "RequestRedirect",
  "FixedResponse",
];

function filterIssues(route: Route, path: string, poolIds: ReadonlySet<string>, issues: Issue[]): void {
  const filters = route.filters ?? [];
  const seen = new Map<string, number>();
  const mirrored = new Set<string>();
  const prefixOnly = matchList(route.match).every((m) => pathOf(m).type === "PathPrefix");
  filters.forEach((filter, j) => {
    const at = `${path}.filters[${j}]`;
    const earlier = seen.get(filter.type);
    if (earlier !== undefined && ONCE.includes(filter.type))
      issues.push({ path: at, message: `a second ${filter.type} (filters[${earlier}] is one): a route takes one` });
    seen.set(filter.type, j);
    if (filter.type === "RequestMirror") {
      const pool = filter.requestMirror.pool;
      if (!poolIds.has(pool)) issues.push({ path: `${at}.requestMirror.pool`, message: `unknown pool "${pool}"` });
      else if (route.pools.includes(pool) || route.fallbackPool === pool)
        issues.push({
          path: `${at}.requestMirror.pool`,
          message: `pool "${pool}" already serves this route: mirror to a pool it does not send to`,
        });
      else if (mirrored.has(pool)) issues.push({ path: `${at}.requestMirror.pool`, message: `pool "${pool}" is mirrored to twice` });
      mirrored.add(pool);
    }
    const modifier =
      filter.type === "URLRewrite" ? filter.urlRewrite.path : filter.type === "RequestRedirect" ? filter.requestRedirect.path : undefined;
    if (modifier?.type === "ReplacePrefixMatch" && !prefixOnly)
      issues.push({
        path: `${at}.${filter.type === "URLRewrite" ? "urlRewrite" : "requestRedirect"}.path`,
        message: "ReplacePrefixMatch replaces the matched PathPrefix: every match of the route must be a PathPrefix match",
      });
    if (filter.type === "RequestRedirect") {
      const r = filter.requestRedirect;
      const port = r.port === undefined ? "" : `:${r.port}`;
      try {
        new URL(`${r.scheme ?? "https"}://${r.hostname ?? "edge.invalid"}${port}/`);
      } catch {
        issues.push({ path: `${at}.requestRedirect`, message: "scheme, hostname and port do not make a URL" });
      }
    }
  });
  const answering = ["RequestRedirect", "FixedResponse"].filter((t) => seen.has(t));
  if (answering.length === 2)
    issues.push({ path: `${path}.filters`, message: "both RequestRedirect and FixedResponse: a route answers one way" });
  if (answering.length > 0) {
    for (const other of ["URLRewrite", "RequestMirror", "RequestHeaderModifier"] as const)
      if (seen.has(other))
        issues.push({
          path: `${path}.filters[${seen.get(other)}]`,
          message: `${other} has no effect on a route that answers with ${answering[0]} (no request is forwarded)`,
        });
  } else if (route.pools.length === 0)
    issues.push({
      path: `${path}.pools`,
      message: "a route needs at least one pool, unless it answers itself with RequestRedirect or FixedResponse",
    });
}

function poolFilterIssues(route: Route, path: string, issues: Issue[]): void {
  for (const [pool, filters] of Object.entries(route.poolFilters ?? {})) {
    if (!route.pools.includes(pool) && route.fallbackPool !== pool)
      issues.push({ path: `${path}.poolFilters.${pool}`, message: `pool "${pool}" is not one of this route's pools` });
    const types = new Set<string>();
    filters.forEach((f, j) => {
      if (types.has(f.type)) issues.push({ path: `${path}.poolFilters.${pool}[${j}]`, message: `a second ${f.type} for pool "${pool}"` });
      types.add(f.type);
    });
  }
}

/** Every route's rule issues, and matches repeated across routes. */
export function routeRuleIssues(routes: readonly Route[], poolIds: ReadonlySet<string>): Issue[] {
  const issues: Issue[] = [];
  const seen = new Map<string, string>();
  routes.forEach((route, i) => {
    const path = `routes[${i}]`;
    const list = matchList(route.match);
    list.forEach((match, k) => {
      const at = Array.isArray(route.match) ? `${path}.match[${k}]` : `${path}.match`;
      const key = matchKey(match);
      const other = seen.get(key);
      if (other !== undefined)
        issues.push({ path: at, message: `matches the same requests as ${other} on host "${match.host}": it could never be chosen` });
      else seen.set(key, at);
    });
    filterIssues(route, path, poolIds, issues);
    poolFilterIssues(route, path, issues);
  });
  return issues;
}
