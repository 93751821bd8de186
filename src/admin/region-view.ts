/**
 * Per-region probe state as the health API and the status page show it: for an origin
 * probed from regions, each configured region's latest verdict (or that it has no result
 * yet) and the quorum; and the reason to show, which names the monitor before the first
 * probe instead of "not probed".
 */
import type { ProbePlan } from "../health/probe-runner.ts";
import { awaitingFirstProbe } from "../health/monitoring.ts";
import type { OriginDetails } from "../state/origin-state.ts";

/** One region's state of one origin. */
export interface RegionView {
  readonly region: string;
  /** null: no result from this region yet. */
  readonly healthy: boolean | null;
  readonly reason: string;
  readonly lastProbeAt: number | null;
  readonly lastProbeOk: boolean | null;
  readonly since: number | null;
}

/** Regions and quorum of an origin probed from regions; undefined otherwise. */
export function regionView(
  plan: ProbePlan | undefined,
  details: OriginDetails | undefined,
): { regionQuorum: number; regions: RegionView[] } | undefined {
  if (plan === undefined || plan.regions.length === 0) return undefined;
  const regions = plan.regions.map((region): RegionView => {
    const r = details?.regions?.[region];
    return r === undefined
      ? { region, healthy: null, reason: "no result yet", lastProbeAt: null, lastProbeOk: null, since: null }
      : { region, healthy: r.healthy, reason: r.reason, lastProbeAt: r.lastProbeAt, lastProbeOk: r.lastProbeOk, since: r.since };
  });
  return { regionQuorum: plan.quorum, regions };
}

/**
 * The reason to show: an operator's forced state or the probes' reason when there is one;
 * for a monitored origin no probe has reached yet, which monitor and regions will decide.
 */
export function reasonToShow(
  plan: ProbePlan | undefined,
  details: OriginDetails | undefined,
  fromSnapshot: { reason: string; lastProbeAt?: number | null | undefined } | undefined,
): string {
  const probed = details !== undefined ? details.lastProbeAt !== null : fromSnapshot?.lastProbeAt != null;
  if (details?.overrides?.health !== undefined) return details.reason;
  if (plan !== undefined && !probed) return awaitingFirstProbe(plan);
  return details?.reason ?? fromSnapshot?.reason ?? "not probed yet";
}
