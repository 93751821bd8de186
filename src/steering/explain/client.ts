/** The client as steering sees it. */
import type { ClientInfo } from "../../routing/client.ts";
import { locateClient } from "../../routing/centroids/index.ts";
import type { ExplainRequest } from "./input.ts";
import type { ClientValue, ExplainedClient } from "./trace.ts";

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
