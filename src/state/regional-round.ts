/**
 * Applies the regional part of a probe round in the Durable Object: each region's result
 * moves that region's state machine, the quorum of regions (src/health/region-quorum.ts)
 * moves the origin's health. Kept apart from OriginState so the object only wires it in.
 */
import { decideByQuorum } from "../health/region-quorum.ts";
import type { ProbeRound } from "../probes/probe-round.ts";
import type { ProbeResult } from "../health/probe-result.ts";
import type { HealthStore } from "./health-store.ts";
import type { RegionHealthStore } from "./region-health-store.ts";

/** What thresholds apply when a round names none for an origin (the monitor defaults). */
const DEFAULT_THRESHOLDS = { healthyThreshold: 2, unhealthyThreshold: 2 };

/**
 * Applies every regional origin's results; returns the origins a passing probe may
 * un-eject (their verdict is healthy and some region's new probe passed), with the time.
 * Duplicate results (at-least-once delivery) change nothing and decide nothing.
 */
export function applyRegionalRound(
  health: HealthStore,
  regions: RegionHealthStore,
  round: ProbeRound,
  known: ReadonlySet<string>,
): { originId: string; at: number }[] {
  const passed: { originId: string; at: number }[] = [];
  for (const [originId, plan] of Object.entries(round.regional ?? {})) {
    if (!known.has(originId)) continue;
    regions.retainRegions(originId, plan.regions);
    const thresholds = round.thresholds[originId] ?? DEFAULT_THRESHOLDS;
    const applied: ProbeResult[] = [];
    for (const r of round.results) {
      if (r.originId !== originId || r.region === undefined) continue;
      if (regions.apply({ ...r, region: r.region }, thresholds)) applied.push(r);
    }
    if (applied.length === 0) continue;
    for (const result of applied) health.recordResult(result);
    const at = Math.max(...applied.map((r) => r.at));
    const verdict = decideByQuorum(regions.votes(originId, plan.regions), plan.quorum, plan.monitors);
    health.decide(originId, verdict, at);
    if (verdict.healthy && applied.some((r) => r.ok)) passed.push({ originId, at });
  }
  return passed;
}
