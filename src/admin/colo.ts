/** The colo an admin request speaks for: the one whose passive-health view "ejected" describes. */
import { clientOf } from "../request/client.ts";
import type { EdgewayEnv } from "../env.ts";
import { UNKNOWN_COLO } from "../health/colo-outliers.ts";
import { DebugGeoError } from "../routing/client.ts";
import { passiveColo } from "../state/colo-view.ts";

/** As a proxied request from the same client would count (a malformed debug geo header counts as no colo). */
export function adminColo(request: Request, env: EdgewayEnv): string {
  try {
    return passiveColo(clientOf(request, env));
  } catch (error) {
    if (error instanceof DebugGeoError) return UNKNOWN_COLO;
    throw error;
  }
}
