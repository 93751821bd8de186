/**
 * Rollouts in the metrics (docs/rollouts.md, "What you see"), from what the Durable Object
 * keeps, for each scrape: the newest rollout of each route and target as gauges —
 * `edgeway_rollout_weight{route,target}` (percent to the target now: 0 after a rollback,
 * 100 once promoted) and `edgeway_rollout_state{route,target,state}` (1 for its state, 0
 * for the others, so a state change shows as one series going to 0 and another to 1) —
 * and every interval's verdict counted, `edgeway_rollout_verdicts_total{route,target,verdict}`.
 */
import type { Metrics } from "./metrics.ts";

const STATES = ["progressing", "paused", "promoted", "rolled_back", "aborted"] as const;

/** What the metrics read of a rollout. */
export interface RolloutGaugeSource {
  readonly route: string;
  readonly to: string;
  readonly state: string;
  readonly weight: number;
  readonly spec: { readonly createdAt: number };
}

/** A verdict count as the object keeps it. */
export interface VerdictSource {
  readonly route: string;
  readonly target: string;
  readonly verdict: string;
  readonly count: number;
}

/** Adds the rollout families to a scrape's registry. */
export function rolloutMetrics(m: Metrics, rollouts: readonly RolloutGaugeSource[], verdicts: readonly VerdictSource[]): void {
  const weight = m.gauge(
    "edgeway_rollout_weight",
    "Percent of the route's traffic a rollout sends to its target pool now (the newest rollout per route and target; 0 after a rollback, 100 once promoted).",
  );
  const state = m.gauge("edgeway_rollout_state", "1 for the state the newest rollout per route and target is in, 0 for the other states.");
  const counted = m.counter(
    "edgeway_rollout_verdicts_total",
    "Rollout intervals judged, by route, target pool and verdict (pass, fail, inconclusive).",
  );
  const newest = new Map<string, RolloutGaugeSource>();
  for (const r of rollouts) {
    const key = `${r.route}\u0000${r.to}`;
    const held = newest.get(key);
    if (held === undefined || r.spec.createdAt > held.spec.createdAt) newest.set(key, r);
  }
  for (const r of newest.values()) {
    const labels = { route: r.route, target: r.to };
    weight.series(labels).set(r.weight);
    for (const s of STATES) state.series({ ...labels, state: s }).set(r.state === s ? 1 : 0);
  }
  for (const v of verdicts) counted.series({ route: v.route, target: v.target, verdict: v.verdict }).inc(v.count);
}
