/**
 * A rollout (progressive delivery): a route's traffic moved to a target pool in steps,
 * each step held for an interval and judged on the fleet's own traffic reports, per colo,
 * before the next; rolled back by itself when the target is worse. These are the shapes
 * the pure controller (decisions, analysis) and the shell (the Durable Object that keeps
 * rollouts, the admin API, the request stage) share.
 */

/** A rollout's life: moving (progressing), stopped by hand or by a config change (paused), or ended. */
export type RolloutState = "progressing" | "paused" | "promoted" | "rolled_back" | "aborted";

/** What an interval's analysis concluded. */
export type Verdict = "pass" | "fail" | "inconclusive";

/** What the controller does after an interval (or a command). */
export type Decision = "advance" | "hold" | "rollback" | "promote";

/** The analysis knobs, with defaults (the API's `analysis`). */
export interface AnalysisSpec {
  /** Fraction of failed requests the target may have, absolutely (default 0.01). */
  readonly maxErrorRate: number;
  /** The target's latency may be at most this times the stable pools' (default 1.5). */
  readonly maxLatencyRatio: number;
  /** An absolute latency bound for the target, in ms (absent: none). */
  readonly maxLatencyMs: number | undefined;
  /** Target requests an interval needs, per colo judged, before it can pass or fail (default 50). */
  readonly minRequests: number;
  /** One-sided confidence of each test (default 0.95). */
  readonly confidence: number;
  /** Intervals a step may stay inconclusive before `onInconclusive` applies. */
  readonly maxInconclusiveIntervals: number;
  readonly onInconclusive: "hold" | "rollback";
}

/** An optional A/B stage before the weighted steps: only matching requests go to the target. */
export interface AbTestSpec {
  /** A header (name → exact value) or a cookie (name → exact value) that selects the requests. */
  readonly header?: { readonly name: string; readonly value: string } | undefined;
  readonly cookie?: { readonly name: string; readonly value: string } | undefined;
  /** Intervals the A/B stage lasts (each analysed like a step). */
  readonly intervals: number;
}

export interface WebhookSpec {
  /** Called before each step; a non-2xx (or no answer in time) holds the step. */
  readonly preStep?: string | undefined;
  /** Called on rollback. */
  readonly rollback?: string | undefined;
  readonly timeoutMs: number;
}

/** What a rollout was asked to do (POST /_edgeway/rollouts, defaults filled in). */
export interface RolloutSpec {
  readonly id: string;
  readonly route: string;
  /** The target pool. */
  readonly to: string;
  /** Percent of the route's traffic to the target at each step, ascending, ending at 100 (default [5, 25, 50, 100]). */
  readonly steps: readonly number[];
  readonly intervalSeconds: number;
  readonly analysis: AnalysisSpec;
  readonly abTest: AbTestSpec | undefined;
  readonly webhooks: WebhookSpec | undefined;
  readonly createdAt: number;
}

/** Counts of one side (target or stable) in one colo over one interval. */
export interface SideCounts {
  readonly requests: number;
  /** Failed requests: 5xx as the route's retry rules count them, connect failures, timeouts. */
  readonly failures: number;
  /** Sum and sum of squares of the latency (ms) of the requests that got a response. */
  readonly latencySumMs: number;
  readonly latencySumSqMs: number;
  readonly latencyCount: number;
}

/** One interval's counts, per colo: the target pool against the route's other (stable) pools. */
export type IntervalCounts = ReadonlyMap<string, { readonly target: SideCounts; readonly stable: SideCounts }>;

/** The figures an interval was judged on (shown in history, logs and the status panel). */
export interface Figures {
  readonly targetRequests: number;
  readonly stableRequests: number;
  readonly targetErrorRate: number;
  readonly stableErrorRate: number;
  readonly targetLatencyMs: number | undefined;
  readonly stableLatencyMs: number | undefined;
  /** Which check decided a fail (e.g. "error rate 0.052 > 0.01 at 95 %"), when one did. */
  readonly failed: string | undefined;
}

export interface HistoryEntry {
  readonly at: number;
  /** The step index (-1 for the A/B stage). */
  readonly step: number;
  /** Percent to the target during the interval judged. */
  readonly weight: number;
  readonly verdict: Verdict | "manual" | "config_changed" | "webhook_refused";
  readonly decision: Decision | "pause" | "resume" | "abort";
  readonly figures: Figures | undefined;
  /** The colo that failed the analysis, when one did. */
  readonly colo?: string | undefined;
}

/** A rollout as GET /_edgeway/rollouts/ID shows it (and as the Durable Object keeps it). */
export interface RolloutStatus {
  readonly id: string;
  readonly route: string;
  readonly to: string;
  readonly state: RolloutState;
  /** Percent of the route's traffic to the target now (0 after a rollback; 100 once promoted). */
  readonly weight: number;
  /** Index into spec.steps (-1 during the A/B stage). */
  readonly step: number;
  readonly history: readonly HistoryEntry[];
  /** Why it is paused or ended, in words. */
  readonly reason: string | undefined;
  readonly intervalStartedAt: number;
  /** Intervals the current step has been inconclusive. */
  readonly inconclusive: number;
  readonly spec: RolloutSpec;
  /**
   * When the running interval was last looked at for an early failure (controller.ts
   * `onReport`; absent: not yet). Each look spends the share of the interval's error budget
   * that the time since the last look earns, so looks as often as reports come stay within it.
   */
  readonly lookedAt?: number | undefined;
  /** Intervals passed at the current stage (the A/B stage lasts abTest.intervals of them). */
  readonly passes?: number | undefined;
  /** The config version a promotion wrote; until the shell records it, a promoted rollout still steers 100 % to the target. */
  readonly promotedVersion?: number | undefined;
}

/** What an isolate needs of an active rollout to steer a request (carried in the health snapshot). */
export interface ActiveRollout {
  readonly id: string;
  readonly route: string;
  readonly to: string;
  /** Percent of requests whose first choice is the target pool (0–100). */
  readonly weight: number;
  /** During the A/B stage: only requests matching this go to the target (weight is then 0 for the rest). */
  readonly abTest: AbTestSpec | undefined;
}
