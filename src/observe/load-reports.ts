/**
 * Reads the load report on a try's response for the isolate's load tracker, and counts
 * every report by how it was judged in `edgeway_load_reports_total{result}` (a bad report
 * is ignored, never fatal, but an operator should see that an origin sends them).
 */
import type { CompiledPool } from "../config/compile.ts";
import { isolate } from "../isolate.ts";
import { LOAD_REPORT_RESULTS } from "../steering/load-report.ts";
import type { LoadReportResult } from "../steering/load-report.ts";
import type { CounterSeries } from "./metrics.ts";

const family = isolate.metrics.counter(
  "edgeway_load_reports_total",
  "Load reports (endpoint-load-metrics) read from origins of load-aware pools, by result: ok, or why one was ignored (malformed, out_of_range, too_large, unsupported).",
);
/** Resolved once: counting a report costs no label look-up. */
const byResult = new Map<LoadReportResult, CounterSeries>(LOAD_REPORT_RESULTS.map((r) => [r, family.series({ result: r })]));

/** Takes in the load report an origin of `pool` sent at `now`, and counts it. */
export function recordLoadReport(pool: CompiledPool, originId: string, header: string, now: number): void {
  byResult.get(isolate.load.observe(pool, originId, header, now))?.inc();
}
