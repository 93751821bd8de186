/**
 * The cron-driven round of health checks: probe every monitored origin, record the
 * results in the Durable Object (which applies the thresholds), and put the snapshot it
 * returns in this isolate's cache at once.
 */
import { isolate, reportConfigProblem } from "../isolate.ts";
import { originStateStub } from "../state/origin-state.ts";
import type { HealthSnapshot } from "../state/snapshot.ts";
import { planProbes, runProbes } from "./probe-runner.ts";
import { probe } from "./probe.ts";
import type { Thresholds } from "./state-machine.ts";
import { log } from "../observe/log.ts";

/** Runs one round; resolves once the results are recorded. Undefined when there is no config. */
export async function runScheduledProbes(env: Env): Promise<HealthSnapshot | undefined> {
  await isolate.config.refresh(env.CONFIG, Date.now(), reportConfigProblem);
  const loaded = isolate.config.current;
  if (loaded === undefined) {
    log("info", "probes_skipped", { reason: "no config stored" });
    return undefined;
  }
  const plans = planProbes(loaded.compiled);
  const results = await runProbes(plans, probe);
  for (const r of results) {
    isolate.metrics.inc("edgeway_probes_total", "Health probes, by origin and result.", { origin: r.originId, result: r.ok ? "pass" : "fail" });
  }
  const thresholds: Record<string, Thresholds> = {};
  for (const plan of plans) thresholds[plan.origin.id] = plan.thresholds;
  const snapshot = await originStateStub(env).recordProbes({ results, thresholds, origins: [...loaded.compiled.origins.keys()] });
  isolate.health.set(snapshot, Date.now());
  log("info", "probes_recorded", { probed: results.length, failed: results.filter((r) => !r.ok).length, configVersion: loaded.envelope.version });
  return snapshot;
}
