/**
 * Where an isolate sends its traffic report: to its colo's aggregator (colo-aggregator.ts),
 * which merges the colo's reports into one global write per interval, or to the global
 * OriginState object directly when there is no aggregator binding or it cannot be reached.
 *
 * - An aggregator that throws did not keep the report (it says so), so the whole report
 *   goes to the global object: nothing is lost or counted twice.
 * - One that does not answer within AGGREGATOR_DEADLINE_MS may still write the report
 *   later, so only the parts that are safe to send twice go directly: ejections (the
 *   object keeps the one that ends last), latency and load (the newest wins), not counts.
 * - After a failure the isolate reports directly for AGGREGATOR_RETRY_MS, so a broken
 *   aggregator costs one failed call per isolate per minute, not one per report.
 *
 * Always off the request path: called in waitUntil by health-refresh.ts.
 */
import type { HealthSnapshot } from "../health/snapshot.ts";
import { errorMessage, log } from "../observe/log.ts";
import { coloAggregatorStub } from "./colo-aggregator.ts";
import { DeadlineError, withDeadline } from "./deadline.ts";
import type { TrafficReport } from "./ejection-store.ts";
import { originStateStub } from "./origin-state.ts";

/** How long an isolate waits for its aggregator (which, for an ejection, waits for the global object). */
export const AGGREGATOR_DEADLINE_MS = 3_000;
/** How long an isolate reports directly after its aggregator failed. */
export const AGGREGATOR_RETRY_MS = 60_000;

let directUntil = Number.NEGATIVE_INFINITY;

/**
 * Sends one report; returns the global snapshot when the call that carried it wrote to
 * the global object (always for a direct report, for an aggregated one only when it was
 * written at once), else undefined.
 */
export async function sendReport(env: Env, report: TrafficReport, colos: readonly string[]): Promise<HealthSnapshot | undefined> {
  const aggregator = Date.now() < directUntil ? undefined : coloAggregatorStub(env, report.colo);
  if (aggregator === undefined) return originStateStub(env).reportTraffic(report, colos);
  try {
    return await withDeadline(aggregator.report(report, colos), AGGREGATOR_DEADLINE_MS, `colo aggregator ${report.colo}`);
  } catch (error) {
    directUntil = Date.now() + AGGREGATOR_RETRY_MS;
    const timedOut = error instanceof DeadlineError;
    log("warn", "colo_aggregator_unreachable", {
      colo: report.colo,
      message: timedOut ? `no answer within ${AGGREGATOR_DEADLINE_MS} ms` : errorMessage(error),
    });
    const direct: TrafficReport = timedOut ? { ...report, counts: [] } : report;
    return originStateStub(env).reportTraffic(direct, colos);
  }
}

/** Forgets an aggregator failure (tests). */
export function resetAggregatorFallback(): void {
  directUntil = Number.NEGATIVE_INFINITY;
}
