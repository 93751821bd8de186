/**
 * How each origin is monitored, for the health API and the status page: which monitors,
 * from which regions, with which quorum; and what to say before the first probe lands,
 * so an origin with a monitor never reads "not probed".
 */
import type { CompiledConfig } from "../config/compile.ts";
import { planProbes } from "./probe-runner.ts";
import type { ProbePlan } from "./probe-runner.ts";

/** Every enabled, monitored origin's probe plan, by origin id. */
export function plansByOrigin(config: CompiledConfig | undefined): ReadonlyMap<string, ProbePlan> {
  return new Map(config === undefined ? [] : planProbes(config).map((p) => [p.origin.id, p]));
}

/** "every 60 s from weur, enam, apac (down when 2 see it down)", or "every 60 s". */
export function describeProbing(plan: ProbePlan): string {
  const every = `every ${Math.min(...plan.monitors.map((m) => m.intervalSeconds))} s`;
  if (plan.regions.length === 0) return every;
  return `${every} from ${plan.regions.join(", ")} (down when ${plan.quorum} of ${plan.regions.length} see it down)`;
}

/** The reason shown for a monitored origin no probe result has reached yet. */
export function awaitingFirstProbe(plan: ProbePlan): string {
  return `monitor ${plan.monitors.map((m) => m.id).join(", ")}: waiting for the first probe, ${describeProbing(plan)}`;
}
