/**
 * `geo` route steering: the most specific `geo` entry for the client wins — colo, then
 * country, then continent (as Route 53 geolocation and Cloudflare's PoP / country /
 * region pools). Its pools come first, in order; the route's other pools follow as
 * failover so a client is served from elsewhere rather than refused when its own
 * region's pools are all down. A client that matches no entry gets the route's pools
 * in order.
 */
import type { CompiledPool, CompiledRoute } from "../../config/compile.ts";
import type { ClientInfo } from "../../routing/client.ts";
import type { RouteSteering } from "../types.ts";

/** The pool order of the most specific geo entry matching the client, if any. */
export function geoPools(route: CompiledRoute, client: ClientInfo): readonly CompiledPool[] | undefined {
  const { geo } = route;
  return (
    (client.colo === undefined ? undefined : geo.colo.get(client.colo)) ??
    (client.country === undefined ? undefined : geo.country.get(client.country)) ??
    (client.continent === undefined ? undefined : geo.continent.get(client.continent))
  );
}

export const geo: RouteSteering = {
  name: "geo",
  order({ route, client }) {
    return geoPools(route, client) ?? route.pools;
  },
};
