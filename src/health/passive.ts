/**
 * Passive health as steering reads it: ejections other isolates of the colo reported,
 * global verdicts, and probes that passed, arrive with each new snapshot and are taken
 * into the colo's outlier detector; the health view combines the two: an origin serves when its probes say
 * healthy and it is not ejected. Pure: the snapshot and the clock are handed in.
 */
import type { HealthView } from "../steering/select.ts";
import { isHealthyIn, lapsedIn } from "./snapshot.ts";
import type { HealthSnapshot } from "./snapshot.ts";
import type { Ejection, OutlierDetector } from "./outlier.ts";
import { syncDetector, UNKNOWN_COLO } from "./colo-outliers.ts";

/**
 * Takes in what a new snapshot says for one colo's detector: the global verdicts, that
 * colo's ejections, and probes that passed (health/colo-outliers.ts).
 */
export function syncFromSnapshot(detector: OutlierDetector, snapshot: HealthSnapshot, now: number, colo = UNKNOWN_COLO): void {
  syncDetector(detector, colo, snapshot, now);
}

/**
 * The ejection in force for an origin as one colo knows it: its detector's (absent when
 * this isolate has not served the colo), else a global verdict or that colo's ejection
 * the snapshot carries (until the detector adopts it).
 */
export function ejectionInForce(
  detector: OutlierDetector | undefined,
  snapshot: HealthSnapshot | undefined,
  originId: string,
  now: number,
  colo = UNKNOWN_COLO,
): Ejection | undefined {
  const own = detector?.ejection(originId, now);
  if (own !== undefined) return own;
  const global = snapshot?.origins[originId]?.ejection;
  if (global !== undefined && now < global.until) return global;
  return snapshot?.coloEjections?.[colo]?.find((e) => e.originId === originId && now < e.until);
}

/**
 * Probe health and ejections together; `ignoreEjections` gives probe health alone. A
 * registration whose heartbeat had lapsed when the snapshot was made is gone in both.
 */
export function healthView(
  detector: OutlierDetector,
  snapshot: HealthSnapshot | undefined,
  now: () => number,
  ignoreEjections = false,
): HealthView {
  const isGone = (id: string): boolean => lapsedIn(snapshot, id);
  if (ignoreEjections) return { isHealthy: (id) => isHealthyIn(snapshot, id), isGone };
  return { isHealthy: (id) => isHealthyIn(snapshot, id) && !detector.isEjected(id, now()), isGone };
}
