/**
 * The isolate's side of passive health: every try's outcome feeds the outlier detector,
 * which acts at once (the very next request avoids an ejected origin) and queues the
 * ejection for the Durable Object; ejections other isolates reported, and probes that
 * passed, arrive with each new snapshot. The health view steering reads combines the two:
 * an origin serves when its probes say healthy and it is not ejected.
 */
import type { CompiledPool } from "../config/compile.ts";
import type { HealthSnapshot } from "../state/snapshot.ts";
import type { HealthView } from "../steering/select.ts";
import { isHealthyIn } from "../state/snapshot-cache.ts";
import { classifyTry, type OutlierDetector } from "./outlier.ts";
import type { Ejection, OutlierPool } from "./outlier.ts";
import type { TrafficReporter } from "../state/traffic-report.ts";
import type { TryKind } from "../proxy/forward.ts";

const outlierPools = new WeakMap<CompiledPool, OutlierPool>();

function outlierPool(pool: CompiledPool): OutlierPool {
  let p = outlierPools.get(pool);
  if (p === undefined) {
    p = { id: pool.id, originIds: pool.origins.map((o) => o.id), settings: pool.source.outlierDetection };
    outlierPools.set(pool, p);
  }
  return p;
}

/**
 * Records one try. Returns the ejection it caused, if any (already queued for the
 * Durable Object). A lost hedge ("cancelled") says nothing about the origin.
 */
export function observeTry(
  detector: OutlierDetector,
  reporter: TrafficReporter,
  pool: CompiledPool,
  originId: string,
  kind: TryKind,
  status: number | undefined,
  now: number,
): Ejection | undefined {
  const result = classifyTry(kind, status);
  if (result === undefined) return undefined;
  reporter.count(originId, result !== "success");
  const ejection = detector.observe(originId, outlierPool(pool), result, now, kind === "response" ? `HTTP ${status}` : kind);
  if (ejection !== undefined) reporter.eject({ ...ejection, unejectOnProbeSuccess: pool.source.outlierDetection.unejectOnProbeSuccess });
  return ejection;
}

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
