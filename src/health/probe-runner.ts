/**
 * One round of active health checks: every enabled origin that sits in a pool with a
 * monitor is probed with each of its monitors, in parallel with bounded concurrency.
 * An origin in several pools with different monitors must pass all of them.
 */
import type { CompiledConfig, CompiledOrigin } from "../config/compile.ts";
import type { Monitor } from "../config/schema.ts";
import type { ProbeResult } from "./probe-result.ts";
import type { Thresholds } from "./state-machine.ts";
import type { ProbeRegion } from "../config/probe-regions.ts";
import { effectiveQuorum } from "./region-quorum.ts";

/** What to probe for one origin, and the thresholds that turn results into health. */
export interface ProbePlan {
  readonly origin: CompiledOrigin;
  readonly monitors: readonly Monitor[];
  readonly thresholds: Thresholds;
  /**
   * The regions the origin is probed from: every region its monitors name (each of its
   * monitors runs from each of them). Empty: probed from where the round runs.
   */
  readonly regions: readonly ProbeRegion[];
  /** Regions that must see the origin down to take it down (the smallest quorum its monitors set, else a majority). */
  readonly quorum: number;
}

/** At most this many probes in flight at once (Workers also caps open connections per invocation). */
export const PROBE_CONCURRENCY = 16;

/** The origins to probe and with which monitors; `filter` picks monitors (e.g. by interval). */
export function planProbes(config: CompiledConfig, filter: (monitor: Monitor) => boolean = () => true): ProbePlan[] {
  const byOrigin = new Map<string, Monitor[]>();
  for (const pool of config.pools.values()) {
    const monitor = pool.monitor;
    if (monitor === undefined || !filter(monitor)) continue;
    for (const origin of pool.origins) {
      if (!origin.enabled) continue;
      const list = byOrigin.get(origin.id) ?? [];
      if (!list.includes(monitor)) list.push(monitor);
      byOrigin.set(origin.id, list);
    }
  }
  const plans: ProbePlan[] = [];
  for (const [id, monitors] of byOrigin) {
    const origin = config.origins.get(id);
    if (origin === undefined) continue;
    const regions = [...new Set(monitors.flatMap((m) => m.regions ?? []))];
    const quorums = monitors.flatMap((m) => (m.regionQuorum === undefined ? [] : [m.regionQuorum]));
    plans.push({
      origin,
      monitors,
      regions,
      quorum: effectiveQuorum(regions.length, quorums.length === 0 ? undefined : Math.min(...quorums)),
      // Several monitors: the strictest thresholds apply.
      thresholds: {
        healthyThreshold: Math.max(...monitors.map((m) => m.healthyThreshold)),
        unhealthyThreshold: Math.min(...monitors.map((m) => m.unhealthyThreshold)),
      },
    });
  }
  return plans;
}

/** Runs `tasks` with at most `limit` in flight; results keep the tasks' order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      const item = items[index] as T;
      results[index] = await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Folds several monitors' results for one origin into one: ok only if all passed. */
export function combineResults(results: readonly ProbeResult[]): ProbeResult | undefined {
  const failed = results.find((r) => !r.ok);
  return failed ?? results[0];
}

/** Probes every planned origin; one combined result per origin. */
export async function runProbes(
  plans: readonly ProbePlan[],
  probe: (origin: CompiledOrigin, monitor: Monitor) => Promise<ProbeResult>,
): Promise<ProbeResult[]> {
  const pairs = plans.flatMap((plan) => plan.monitors.map((monitor) => ({ plan, monitor })));
  const results = await mapBounded(pairs, PROBE_CONCURRENCY, ({ plan, monitor }) => probe(plan.origin, monitor));
  return plans.flatMap((plan) => {
    const combined = combineResults(results.filter((r) => r.originId === plan.origin.id));
    return combined === undefined ? [] : [combined];
  });
}
