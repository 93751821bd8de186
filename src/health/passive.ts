/**
 * Passive health as steering reads it: ejections other isolates reported, and probes that
 * passed, arrive with each new snapshot and are taken into this isolate's outlier
 * detector; the health view combines the two: an origin serves when its probes say
 * healthy and it is not ejected. Pure: the snapshot and the clock are handed in.
 */
import type { HealthView } from "../steering/select.ts";
import { isHealthyIn } from "./snapshot.ts";
import type { HealthSnapshot } from "./snapshot.ts";
import type { Ejection, OutlierDetector } from "./outlier.ts";

/** Takes in what a new snapshot says: other isolates' ejections, and probes that passed. */
export function syncFromSnapshot(detector: OutlierDetector, snapshot: HealthSnapshot, now: number): void {
  for (const [id, status] of Object.entries(snapshot.origins)) {
    if (status.ejection !== undefined) detector.adopt(status.ejection, now);
    if (status.lastProbeOk === true && status.lastProbeAt != null) detector.probePassed(id, status.lastProbeAt, now);
  }
}

/**
 * The ejection in force for an origin as this isolate knows it: its detector's, else one
 * the snapshot carries from another isolate (until the detector adopts it).
 */
export function ejectionInForce(
  detector: OutlierDetector,
  snapshot: HealthSnapshot | undefined,
  originId: string,
  now: number,
): Ejection | undefined {
  const own = detector.ejection(originId, now);
  if (own !== undefined) return own;
  const reported = snapshot?.origins[originId]?.ejection;
  return reported !== undefined && now < reported.until ? reported : undefined;
}

/** Probe health and ejections together; `ignoreEjections` gives probe health alone. */
export function healthView(
  detector: OutlierDetector,
  snapshot: HealthSnapshot | undefined,
  now: () => number,
  ignoreEjections = false,
): HealthView {
  if (ignoreEjections) return { isHealthy: (id) => isHealthyIn(snapshot, id) };
  return { isHealthy: (id) => isHealthyIn(snapshot, id) && !detector.isEjected(id, now()) };
}
