/** `failover` route steering: the route's pools in order; the first that is up serves (Cloudflare's "off"). */
import type { RouteSteering } from "../types.ts";

export const failover: RouteSteering = {
  name: "failover",
  order: ({ route }) => route.pools,
};
