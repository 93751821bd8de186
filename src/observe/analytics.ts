/**
 * Workers Analytics Engine: one data point per proxied request when the `ANALYTICS`
 * binding is configured; nothing, and no cost, when it is not. Unlike the isolate's
 * Prometheus counters, these are kept by Cloudflare across every colo and isolate and
 * queried with SQL. The layout below is the contract docs/analytics-engine.md documents:
 * change both together, and only by appending (old data points keep their positions).
 *
 *   index1  route
 *   blob1   route          blob2  pool          blob3  origin       blob4  colo
 *   blob5   country        blob6  status class  blob7  outcome      blob8  retried
 *   blob9   Edgeway error code ("" when the origin's response reached the client)
 *   double1 status         double2 latency ms   double3 tries
 */
import type { ClientInfo } from "../routing/client.ts";
import type { Selection } from "../steering/select.ts";
import type { TryKind } from "../health/try-kind.ts";
import { statusClass } from "./request-metrics.ts";
import { errorMessage, log } from "./log.ts";

/** What the request path knows of a request once its response is ready. */
export interface RequestRecord {
  readonly route: string;
  /** The try that produced the response; undefined when no origin could be picked. */
  readonly selection: Selection | undefined;
  readonly client: ClientInfo;
  /** The edge location serving the request ("local" in local dev). */
  readonly colo: string;
  readonly status: number;
  /** From the request's arrival to its response headers. */
  readonly latencyMs: number;
  /** Tries sent, hedges included. */
  readonly tries: number;
  /** How the last try ended; undefined when no origin could be picked. */
  readonly outcome: TryKind | undefined;
  /** Whether a failed try was retried on another origin. */
  readonly retried: boolean;
  /** The `x-edgeway-error` code when Edgeway answered itself. */
  readonly errorCode?: string | undefined;
}

/** "response" when an origin's response reached the client, "error" when Edgeway answered itself. */
export function requestOutcome(record: Pick<RequestRecord, "outcome" | "errorCode">): "response" | "error" {
  return record.outcome === "response" && record.errorCode === undefined ? "response" : "error";
}

/** The data point for a request, in the layout above. */
export function requestDataPoint(record: RequestRecord): AnalyticsEngineDataPoint {
  return {
    indexes: [record.route],
    blobs: [
      record.route,
      record.selection?.pool.id ?? "none",
      record.selection?.origin.id ?? "none",
      record.colo,
      record.client.country ?? "",
      statusClass(record.status),
      requestOutcome(record),
      record.retried ? "true" : "false",
      record.errorCode ?? "",
    ],
    doubles: [record.status, record.latencyMs, record.tries],
  };
}

let warned = false;

/**
 * Writes the request's data point when `dataset` is bound. `writeDataPoint` does not
 * wait for anything; a throw (a limit exceeded) is logged once per isolate, never fails
 * the request.
 */
export function writeRequestDataPoint(dataset: AnalyticsEngineDataset | undefined, record: RequestRecord): void {
  if (dataset === undefined) return;
  try {
    dataset.writeDataPoint(requestDataPoint(record));
  } catch (error) {
    if (warned) return;
    warned = true;
    log("warn", "analytics_write_failed", { route: record.route, message: errorMessage(error) });
  }
}
