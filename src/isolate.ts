/**
 * What one isolate keeps between requests: the cached config, the cached health
 * snapshot, steering memory and metrics. Module state lives for the isolate's lifetime
 * and is lost on eviction, which costs only a KV read and a snapshot refresh.
 */
import { ConfigCache } from "./config/store.ts";
import type { LoadProblem } from "./config/store.ts";
import { SnapshotCache } from "./state/snapshot-cache.ts";
import { createMemoryStore } from "./steering/select.ts";
import type { SteeringMemoryStore } from "./steering/select.ts";
import { Metrics } from "./observe/metrics.ts";
import { ColoLatency } from "./steering/latency-colo.ts";
import { OutstandingTracker } from "./steering/outstanding.ts";
import { LoadTracker } from "./steering/load-tracker.ts";
import { ColoOutliers } from "./health/colo-outliers.ts";
import { ColoMap } from "./health/colo-map.ts";
import { TrafficReporter } from "./state/traffic-report.ts";
import { RetryBudget } from "./proxy/retry-budget.ts";
import { log } from "./observe/log.ts";

export interface Isolate {
  readonly config: ConfigCache;
  readonly health: SnapshotCache;
  memory: SteeringMemoryStore;
  readonly metrics: Metrics;
  /** Latency measured from this edge location (per colo the debug header names), per origin and per pool. */
  readonly latency: ColoLatency;
  /** Tries in flight from this isolate, per origin and per pool. */
  readonly outstanding: OutstandingTracker;
  /** Origins' load reports and the live weights of load-aware pools. */
  readonly load: LoadTracker;
  /**
   * Passive health per colo (in production the isolate's one colo): ejections from this
   * isolate's traffic, adopted from other isolates of the colo, and global verdicts.
   */
  readonly outliers: ColoOutliers;
  /** Ejections and traffic counts waiting to be sent to the Durable Object, per colo. */
  readonly traffic: ColoMap<TrafficReporter>;
  /** Retry budgets by route id. */
  readonly retryBudgets: Map<string, RetryBudget>;
}

export const isolate: Isolate = {
  config: new ConfigCache(),
  health: new SnapshotCache(),
  memory: createMemoryStore(),
  metrics: new Metrics(),
  latency: new ColoLatency(),
  outstanding: new OutstandingTracker(),
  load: new LoadTracker(),
  outliers: new ColoOutliers(),
  // Each report says which config version its colo serves (a staged change's candidate, or the one in force).
  traffic: new ColoMap((colo) => new TrafficReporter(() => isolate.config.versionFor(colo))),
  retryBudgets: new Map(),
};

/** The retry budget of a route (kept across config versions by route id). */
export function retryBudget(routeId: string): RetryBudget {
  let budget = isolate.retryBudgets.get(routeId);
  if (budget === undefined) {
    budget = new RetryBudget();
    isolate.retryBudgets.set(routeId, budget);
  }
  return budget;
}

/** Counts and logs a fail-static event: Edgeway kept serving with what it had. */
export function failStatic(component: "kv" | "durable_object", reason: string, detail: Record<string, unknown> = {}): void {
  isolate.metrics.inc(
    "edgeway_fail_static_total",
    "Times Edgeway served from its last-known-good config or health snapshot because a dependency failed.",
    { component, reason },
  );
  log("warn", "fail_static", { component, reason, ...detail });
}

/** Reports a config that could not be loaded; the last-known-good one stays in force. */
export function reportConfigProblem(problem: LoadProblem): void {
  failStatic("kv", problem.kind, { message: problem.message, issues: "issues" in problem ? problem.issues : undefined });
}
