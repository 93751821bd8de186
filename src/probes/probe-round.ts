/**
 * One round of active checks for the monitors a caller picks (the cron trigger: those of
 * 60 s and more that are due on this tick; the Durable Object's alarm: the sub-minute ones
 * that are due). Probe starts are spread over a little of the interval so origins are not
 * all hit in the same millisecond.
 */
import type { CompiledConfig } from "../config/compile.ts";
import type { Monitor } from "../config/schema.ts";
import { planProbes, runProbes } from "../health/probe-runner.ts";
import { probe } from "./probe.ts";
import type { ProbeResult } from "../health/probe-result.ts";
import type { Thresholds } from "../health/state-machine.ts";
import { startSpreadMs } from "../health/monitor-schedule.ts";

/** One round of probe results and the thresholds that apply to each origin. */
export interface ProbeRound {
  readonly results: readonly ProbeResult[];
  readonly thresholds: Readonly<Record<string, Thresholds>>;
  /** Every origin the config knows; state for others is dropped. */
  readonly origins: readonly string[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Probes every enabled origin in a pool whose monitor `pick` accepts. `spread` staggers
 * the starts (the alarm loop's frequent rounds); the once-a-minute cron round starts all
 * at once, as it runs from one place and its results are recorded together.
 */
export async function probeRound(
  config: CompiledConfig,
  pick: (monitor: Monitor) => boolean,
  spread: boolean,
  random: () => number = Math.random,
): Promise<ProbeRound> {
  const plans = planProbes(config, pick);
  const results = await runProbes(plans, async (origin, monitor) => {
    const spreadMs = spread ? startSpreadMs(monitor) : 0;
    if (spreadMs > 0) await sleep(Math.floor(random() * spreadMs));
    return probe(origin, monitor);
  });
  const thresholds: Record<string, Thresholds> = {};
  for (const plan of plans) thresholds[plan.origin.id] = plan.thresholds;
  return { results, thresholds, origins: [...config.origins.keys()] };
}

/** The monitors some pool uses. */
export function monitorsInUse(config: CompiledConfig): Monitor[] {
  const seen = new Set<Monitor>();
  for (const pool of config.pools.values()) if (pool.monitor !== undefined) seen.add(pool.monitor);
  return [...seen];
}
