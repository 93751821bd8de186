/** The routes considered for a request and the client as steering sees it. */
import type { CompiledConfig, CompiledRoute } from "../../config/compile.ts";
import type { ClientInfo } from "../../routing/client.ts";
import { locateClient } from "../../routing/centroids/index.ts";
import { normaliseHost, pathMatches } from "../../routing/match.ts";
import type { ExplainRequest } from "./input.ts";
import type { ClientValue, ConsideredRoute, ExplainedClient } from "./trace.ts";

/** Whether a route's host pattern covers `host` ("*", "*.example.com" or an exact name), as the route table reads it. */
function hostCovers(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  if (p === "*") return true;
  if (p.startsWith("*.")) return host.endsWith(p.slice(1));
  return host === p;
}

/** Every route with its host and path verdicts, the chosen one marked. */
export function consideredRoutes(config: CompiledConfig, url: URL, chosen: CompiledRoute | undefined): ConsideredRoute[] {
  const host = normaliseHost(url.host);
  return config.routes.map((route) => ({
    id: route.id,
    match: { host: route.match.host, pathPrefix: route.match.pathPrefix },
    hostMatches: hostCovers(route.match.host, host),
    pathMatches: pathMatches(route.match.pathPrefix, url.pathname),
    chosen: route === chosen,
  }));
}

function clientValue<T>(value: T | undefined, source: string | undefined): ClientValue<T> | null {
  return value === undefined ? null : { value, source: source ?? "unknown" };
}

/** Each client field steering reads, with where it came from, and where proximity places the client. */
export function explainClient(client: ClientInfo, sources: ExplainRequest["clientSources"]): ExplainedClient {
  const located = locateClient(client);
  return {
    ip: clientValue(client.ip, sources.ip),
    country: clientValue(client.country, sources.country),
    continent: clientValue(client.continent, sources.continent),
    colo: clientValue(client.colo, sources.colo),
    lat: clientValue(client.lat, sources.lat),
    lon: clientValue(client.lon, sources.lon),
    location: located === undefined ? null : { lat: located.lat, lon: located.lon, from: located.source },
  };
}
