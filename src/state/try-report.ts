/**
 * The isolate's side of passive health: every try's outcome feeds the outlier detector,
 * which acts at once (the very next request avoids an ejected origin) and queues the
 * ejection for the Durable Object. What other isolates report comes back with the
 * snapshot (health/passive.ts).
 */
import type { CompiledPool } from "../config/compile.ts";
import { classifyTry, outlierPool, type OutlierDetector } from "../health/outlier.ts";
import type { Ejection } from "../health/outlier.ts";
import type { TrafficReporter } from "./traffic-report.ts";
import type { TryKind } from "../health/try-kind.ts";

/**
 * Records one try. Returns the ejection it caused, if any (already queued for the
 * Durable Object). A lost hedge ("cancelled") says nothing about the origin. `durationMs`,
 * for a try that got a response, joins the report's latency sums (rollouts compare them).
 */
export function observeTry(
  detector: OutlierDetector,
  reporter: TrafficReporter,
  pool: CompiledPool,
  originId: string,
  kind: TryKind,
  status: number | undefined,
  now: number,
  durationMs?: number,
): Ejection | undefined {
  const result = classifyTry(kind, status);
  if (result === undefined) return undefined;
  reporter.count(originId, result !== "success", kind === "response" ? durationMs : undefined);
  const ejection = detector.observe(originId, outlierPool(pool), result, now, kind === "response" ? `HTTP ${status}` : kind);
  const settings = pool.source.outlierDetection;
  if (ejection !== undefined)
    reporter.eject({ ...ejection, unejectOnProbeSuccess: settings.unejectOnProbeSuccess, quorum: settings.globalQuorum });
  return ejection;
}
