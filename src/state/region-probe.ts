/**
 * Probes from regions: each probe region has one object of the OriginState class, named
 * `probe:<region>` and created with that region as its location hint, so in production it
 * lives — and its probes leave — in that part of the world. It keeps no state: it is
 * handed what to probe and hands back results. Locally every region's object runs in the
 * one workerd process, through the same calls.
 */
import type { ProbeRegion } from "../config/probe-regions.ts";
import type { RegionProber, RegionTarget } from "../probes/probe-round.ts";
import { MAX_START_SPREAD_MS } from "../health/monitor-schedule.ts";
import type { ProbeResult } from "../health/probe-result.ts";
import { withDeadline } from "./deadline.ts";
import { countedStub } from "./do-calls.ts";
import { errorMessage, log } from "../observe/log.ts";

/** A stub of the OriginState class, typed from the binding (importing the class here would be a cycle). */
type OriginStateStub = ReturnType<Env["ORIGIN_STATE"]["get"]>;

/** Time a region's object gets beyond its slowest monitor's timeout and the start spread. */
export const REGION_CALL_MARGIN_MS = 5_000;

/** The object name of a region's prober. */
export function regionProbeName(region: ProbeRegion): string {
  return `probe:${region}`;
}

/** The stub of a region's probe object, placed in that region. */
export function regionProbeStub(env: Env, region: ProbeRegion): OriginStateStub {
  const namespace = env.ORIGIN_STATE;
  return countedStub(namespace.get(namespace.idFromName(regionProbeName(region)), { locationHint: region }));
}

/**
 * A prober that sends each region's share to that region's object. A region that fails or
 * does not answer in time abstains from the vote (logged), it never counts as down: the
 * origin is not to blame for a probe object's trouble.
 */
export function regionProber(env: Env): RegionProber {
  return async (region: ProbeRegion, targets: readonly RegionTarget[], spread: boolean): Promise<readonly ProbeResult[]> => {
    const slowest = Math.max(...targets.flatMap((t) => t.monitors.map((m) => m.timeoutMs)));
    try {
      return await withDeadline(
        regionProbeStub(env, region).probeFromRegion(region, targets, spread),
        slowest + MAX_START_SPREAD_MS + REGION_CALL_MARGIN_MS,
        `probes from ${region}`,
      );
    } catch (error) {
      log("warn", "region_probes_failed", { region, origins: targets.length, message: errorMessage(error) });
      return [];
    }
  };
}
