/**
 * Stage `record` (runs for every request that reached steering, answered or not): folds
 * the request's tries, in one pass after the response, into metrics, this colo's latency
 * estimates, outlier detection and the traffic report, sends the report when one is due,
 * and counts the request (edgeway_requests_total, and the Analytics Engine data point
 * where the binding is configured: the plan holds that variant only then).
 */
import type { CompiledRoute } from "../config/compile.ts";
import type { EdgewayEnv } from "../env.ts";
import { writeRequestDataPoint } from "../observe/analytics.ts";
import { recordLoadReport } from "../observe/load-reports.ts";
import { log } from "../observe/log.ts";
import type { RouteSeries } from "../observe/request-metrics.ts";
import type { TryOutcome } from "../proxy/forward/index.ts";
import { flushTrafficReport } from "../state/health-refresh.ts";
import { observeTry } from "../state/try-report.ts";
import { recordTryLatency } from "../steering/latency-colo.ts";
import type { RequestContext } from "./stage.ts";
import { requestMetrics } from "./series.ts";
import type { Stage } from "./stage.ts";

function foldTry(route: CompiledRoute, series: RouteSeries, context: RequestContext, outcome: TryOutcome): void {
  const { pool, origin } = outcome.selection;
  const path = series.path(pool, origin);
  path.tries(outcome.kind).inc();
  if (outcome.loadReport !== null) recordLoadReport(pool, origin.id, outcome.loadReport, outcome.endedAt);
  if (outcome.hedge) path.hedges.inc();
  // A hedge that lost was cut short by Edgeway: it says nothing of the origin's latency or health.
  if (outcome.kind === "cancelled") return;
  path.latency.observe(outcome.durationMs / 1000);
  const ok = outcome.kind === "response" && (outcome.status ?? 500) < 500;
  recordTryLatency(context.latency, route, pool, origin.id, outcome.durationMs, ok, outcome.endedAt);
  if (outcome.retried) path.retries(outcome.kind === "response" ? (outcome.status ?? 0) : outcome.kind).inc();
  if (outcome.selection.panic) path.panic.inc();
  const { detector, reporter, colo } = context.live;
  const skippedBefore = detector.skipped;
  const ejection = observeTry(detector, reporter, pool, origin.id, outcome.kind, outcome.status, outcome.endedAt, outcome.durationMs);
  if (ejection !== undefined) {
    path.ejections(ejection.kind).inc();
    log("warn", "origin_ejected", {
      origin: origin.id,
      pool: pool.id,
      kind: ejection.kind,
      count: ejection.count,
      until: new Date(ejection.until).toISOString(),
      reason: ejection.reason,
      requestId: context.identity.requestId,
      traceId: context.identity.trace?.traceId,
      colo,
    });
  } else if (detector.skipped > skippedBefore) {
    path.ejectionsSkipped.inc();
  }
}

export function recordStage(route: CompiledRoute, env: EdgewayEnv): Stage {
  const series = requestMetrics.route(route);
  const analytics = env.ANALYTICS;

  /** Folds the tries and counts the request; its response, or undefined when it never reached steering. */
  function record(context: RequestContext): Response | undefined {
    if (!context.steered) return undefined;
    const { tries, last } = context;
    for (let i = 0; i < tries.length; i++) foldTry(route, series, context, tries[i] as TryOutcome);
    if (context.retrySkipped !== undefined) series.retriesSkipped(context.retrySkipped).inc();
    // The colo's reporter says when one is due (every few seconds, or an ejection): only then are the isolate's reporters walked.
    if (context.live.reporter.due(Date.now())) flushTrafficReport(context.env, context.ctx);
    const response = context.finalResponse();
    series.path(last?.selection.pool, last?.selection.origin).requests(response.status).inc();
    return response;
  }

  if (analytics === undefined) {
    return {
      name: "record",
      always: true,
      run(context) {
        record(context);
        return undefined;
      },
    };
  }
  return {
    name: "record (with analytics)",
    always: true,
    run(context) {
      const response = record(context);
      if (response === undefined) return undefined;
      const last = context.last;
      writeRequestDataPoint(analytics, {
        route: route.id,
        selection: last?.selection,
        client: context.client,
        colo: context.edgeColo,
        status: response.status,
        latencyMs: Date.now() - context.startedAt,
        tries: context.sent,
        outcome: last?.kind,
        retried: context.retried,
        errorCode: response.headers.get("x-edgeway-error") ?? undefined,
      });
      return undefined;
    },
  };
}
