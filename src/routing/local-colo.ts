/**
 * The local-only colo override: worker variables that make one `wrangler dev` process play
 * an edge location, so several local processes can stand for several colos sharing one
 * Durable Object (the many-colo harness, scripts/lib/colos/). Read only when
 * EDGEWAY_DEBUG_HEADERS is "true", which production never sets; a deploy that set
 * EDGEWAY_COLO without it would see the variables ignored. Clients cannot send them.
 *
 *   EDGEWAY_COLO=FRA  EDGEWAY_COUNTRY=DE  EDGEWAY_CONTINENT=EU  EDGEWAY_LAT=50.03  EDGEWAY_LON=8.57
 */
import type { ClientInfo } from "./client.ts";
import { DebugGeoError, parseDebugGeo } from "./client.ts";

/** The variables, all optional; EDGEWAY_COLO turns the override on. */
export interface LocalColoVars {
  readonly EDGEWAY_COLO?: string;
  readonly EDGEWAY_COUNTRY?: string;
  readonly EDGEWAY_CONTINENT?: string;
  readonly EDGEWAY_LAT?: string;
  readonly EDGEWAY_LON?: string;
}

const KEYS = [
  ["colo", "EDGEWAY_COLO"],
  ["country", "EDGEWAY_COUNTRY"],
  ["continent", "EDGEWAY_CONTINENT"],
  ["lat", "EDGEWAY_LAT"],
  ["lon", "EDGEWAY_LON"],
] as const;

/**
 * The location the variables give, or undefined when EDGEWAY_COLO is unset. Checked as
 * strictly as the debug geo header; a bad value throws DebugGeoError naming the variable.
 */
export function localColo(vars: LocalColoVars): Omit<ClientInfo, "ip"> | undefined {
  if (vars.EDGEWAY_COLO === undefined || vars.EDGEWAY_COLO === "") return undefined;
  let location: Omit<ClientInfo, "ip"> = {};
  // One variable at a time, so an error names the variable that is wrong.
  for (const [key, name] of KEYS) {
    const value = vars[name];
    if (value === undefined || value === "") continue;
    try {
      if (value.includes(";")) throw new DebugGeoError(`"${value}" holds a ";"`);
      const { ip: _, ...one } = parseDebugGeo(`${key}=${value}`, undefined);
      location = { ...location, [key]: one[key] };
    } catch (error) {
      if (!(error instanceof DebugGeoError)) throw error;
      throw new DebugGeoError(`${name}: ${error.message.replace(/^x-edgeway-debug-geo: /, "")}`);
    }
  }
  return location;
}
