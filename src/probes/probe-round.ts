/**
 * One round of active checks for the monitors a caller picks (the cron trigger: those of
 * 60 s and more that are due on this tick; the Durable Object's alarm: the sub-minute ones
 * that are due). Probe starts are spread over a little of the interval so origins are not
 * all hit in the same millisecond. Origins whose monitors name regions are probed from
 * each of those regions through `fromRegion` (in the worker, a Durable Object placed in
 * that region); the others from where the round runs.
 */
import type { CompiledConfig } from "../config/compile.ts";
import type { Monitor } from "../config/schema.ts";
import type { ProbeRegion } from "../config/probe-regions.ts";
import { combineResults, mapBounded, planProbes, PROBE_CONCURRENCY, runProbes } from "../health/probe-runner.ts";
import type { ProbePlan } from "../health/probe-runner.ts";
import { probe } from "./probe.ts";
import type { ProbeTarget } from "./probe.ts";
import type { ProbeResult } from "../health/probe-result.ts";
import type { Thresholds } from "../health/state-machine.ts";
import { startSpreadMs } from "../health/monitor-schedule.ts";

/** How an origin probed from several regions is decided: by which regions, with which quorum, for which monitors. */
export interface RegionalPlan {
  readonly regions: readonly ProbeRegion[];
  readonly quorum: number;
  readonly monitors: readonly string[];
}

/** One round of probe results and the thresholds that apply to each origin. */
export interface ProbeRound {
  /** One combined result per origin, and per region for origins probed from regions (those carry `region`). */
  readonly results: readonly ProbeResult[];
  readonly thresholds: Readonly<Record<string, Thresholds>>;
  /** Every origin the config knows; state for others is dropped. */
  readonly origins: readonly string[];
  /** Origins decided by a quorum of regions, by id. */
  readonly regional?: Readonly<Record<string, RegionalPlan>>;
}

/** What a region's probe object is asked to probe: an origin and the monitors to run on it. */
export interface RegionTarget {
  readonly origin: ProbeTarget;
  readonly monitors: readonly Monitor[];
}

/** Probes targets from one region: one combined result per origin, each naming the region. */
export type RegionProber = (region: ProbeRegion, targets: readonly RegionTarget[], spread: boolean) => Promise<readonly ProbeResult[]>;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function spreadProbe(spread: boolean, random: () => number, region?: ProbeRegion) {
  return async (origin: ProbeTarget, monitor: Monitor): Promise<ProbeResult> => {
    const spreadMs = spread ? startSpreadMs(monitor) : 0;
    if (spreadMs > 0) await sleep(Math.floor(random() * spreadMs));
    return probe(origin, monitor, region);
  };
}

/**
 * Runs the probes a region's probe object was handed, from where this code runs, naming
 * `region` in every probe; one combined result per origin (ok only if all its monitors passed).
 */
export async function probeTargets(
  region: ProbeRegion,
  targets: readonly RegionTarget[],
  spread: boolean,
  random: () => number = Math.random,
): Promise<ProbeResult[]> {
  const pairs = targets.flatMap((target) => target.monitors.map((monitor) => ({ target, monitor })));
  const run = spreadProbe(spread, random, region);
  const results = await mapBounded(pairs, PROBE_CONCURRENCY, ({ target, monitor }) => run(target.origin, monitor));
  return targets.flatMap((target) => {
    const combined = combineResults(results.filter((r) => r.originId === target.origin.id));
    return combined === undefined ? [] : [{ ...combined, region }];
  });
}

/** Probes the regional plans, each region's share in one call, regions in parallel. A region that fails abstains. */
async function probeRegions(plans: readonly ProbePlan[], fromRegion: RegionProber, spread: boolean): Promise<ProbeResult[]> {
  const byRegion = new Map<ProbeRegion, RegionTarget[]>();
  for (const plan of plans) {
    for (const region of plan.regions) {
      const list = byRegion.get(region) ?? [];
      list.push({ origin: { id: plan.origin.id, url: plan.origin.url }, monitors: plan.monitors });
      byRegion.set(region, list);
    }
  }
  const settled = await Promise.allSettled([...byRegion].map(([region, targets]) => fromRegion(region, targets, spread)));
  return settled.flatMap((s) => (s.status === "fulfilled" ? [...s.value] : []));
}

/**
 * Probes every enabled origin in a pool whose monitor `pick` accepts. `spread` staggers
 * the starts (the alarm loop's frequent rounds); the once-a-minute cron round starts all
 * at once, as it runs from one place and its results are recorded together. Without
 * `fromRegion`, regional probes run here, still naming their region.
 */
export async function probeRound(
  config: CompiledConfig,
  pick: (monitor: Monitor) => boolean,
  spread: boolean,
  random: () => number = Math.random,
  fromRegion: RegionProber = (region, targets, s) => probeTargets(region, targets, s, random),
): Promise<ProbeRound> {
  const plans = planProbes(config, pick);
  const local = plans.filter((p) => p.regions.length === 0);
  const remote = plans.filter((p) => p.regions.length > 0);
  const [localResults, regionResults] = await Promise.all([
    runProbes(local, spreadProbe(spread, random)),
    remote.length === 0 ? Promise.resolve([]) : probeRegions(remote, fromRegion, spread),
  ]);
  const thresholds: Record<string, Thresholds> = {};
  for (const plan of plans) thresholds[plan.origin.id] = plan.thresholds;
  const regional: Record<string, RegionalPlan> = {};
  for (const plan of remote)
    regional[plan.origin.id] = { regions: plan.regions, quorum: plan.quorum, monitors: plan.monitors.map((m) => m.id) };
  return {
    results: [...localResults, ...regionResults],
    thresholds,
    origins: [...config.origins.keys()],
    ...(remote.length === 0 ? {} : { regional }),
  };
}

/** The monitors some pool uses. */
export function monitorsInUse(config: CompiledConfig): Monitor[] {
  const seen = new Set<Monitor>();
  for (const pool of config.pools.values()) if (pool.monitor !== undefined) seen.add(pool.monitor);
  return [...seen];
}
