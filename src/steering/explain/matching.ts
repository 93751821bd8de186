/**
 * How /_edgeway/explain shows route matching: every route's host and path verdict (the
 * `routesConsidered` list), and every candidate match in the order the route table tries
 * them, with each field's verdict, the winner and why it beat the next match that held.
 */
import type { CompiledConfig, CompiledRoute } from "../../config/compile.ts";
import type { RouteMatch } from "../../config/match-schema.ts";
import { matchList, pathOf } from "../../config/match-schema.ts";
import { hostCovers, normaliseHost } from "../../routing/match.ts";
import type { RouteHit } from "../../routing/match.ts";
import { CompiledMatch } from "../../routing/route-match.ts";
import type { RequestFacts } from "../../routing/route-match.ts";
import type { ConsideredRoute, ExplainedMatch, ExplainedMatching } from "./trace.ts";

/** A match as explain shows it: host and pathPrefix for a prefix match (as written), else host and path, then the other fields given. */
export function shownMatch(match: RouteMatch): ExplainedMatch {
  const path = pathOf(match);
  const shown: ExplainedMatch =
    path.type === "PathPrefix"
      ? { host: match.host, pathPrefix: path.value }
      : { host: match.host, path: { type: path.type, value: path.value } };
  return {
    ...shown,
    ...(match.method === undefined ? {} : { method: match.method }),
    ...(match.headers === undefined ? {} : { headers: match.headers.map((h) => ({ ...h })) }),
    ...(match.queryParams === undefined ? {} : { queryParams: match.queryParams.map((q) => ({ ...q })) }),
  };
}

/** Every route with its host and path verdicts (any of its matches), the chosen one marked. */
export function consideredRoutes(config: CompiledConfig, url: URL, hit: RouteHit<CompiledRoute> | undefined): ConsideredRoute[] {
  const host = normaliseHost(url.host);
  return config.routes.map((route) => {
    const matches = matchList(route.match);
    const chosen = hit?.route === route;
    const compiled = matches.map((m, i) => new CompiledMatch(route, m, i, i));
    const shown = matches[chosen ? (hit?.index ?? 0) : 0] ?? matches[0];
    return {
      id: route.id,
      match: shown === undefined ? { host: "*", pathPrefix: "/" } : shownMatch(shown),
      hostMatches: compiled.some((c) => hostCovers(c.host, host)),
      pathMatches: compiled.some((c) => c.pathHolds(url.pathname)),
      chosen,
    };
  });
}

/** The route table's candidates for the request, each field's verdict, the winner and why. */
export function explainMatching(config: CompiledConfig, url: URL, request: RequestFacts): ExplainedMatching {
  const e = config.table.explain(url.host, url.pathname, request, url);
  return {
    candidates: e.candidates.map((c) => ({ route: c.route.id, match: c.index, host: c.host, held: c.held, fields: [...c.fields] })),
    winner: e.winner === undefined ? null : { route: e.winner.route.id, match: e.winner.index },
    why: e.why,
  };
}
