/**
 * The cron-driven round of health checks: probe the origins whose monitors run at 60 s
 * or more and are due on this tick, record the results in the Durable Object (which
 * applies the thresholds), and put the snapshot it returns in this isolate's cache at
 * once. Each tick also makes sure the Durable Object's alarm loop (sub-minute monitors,
 * heartbeats) is running, so a lost alarm costs at most a minute.
 */
import { isolate, failStatic, reportConfigProblem } from "./isolate.ts";
import { originStateStub } from "./state/origin-state.ts";
import type { HealthSnapshot } from "./health/snapshot.ts";
import { probeRound } from "./probes/probe-round.ts";
import { dueOnCronTick } from "./health/monitor-schedule.ts";
import { errorMessage, log } from "./observe/log.ts";
import { regionProber } from "./state/region-probe.ts";

/** Runs one round; resolves once the results are recorded. Undefined when there is no config or nothing was due. */
export async function runScheduledProbes(env: Env, scheduledTime = Date.now()): Promise<HealthSnapshot | undefined> {
  await isolate.config.refresh(env.CONFIG, Date.now(), reportConfigProblem);
  const loaded = isolate.config.current;
  if (loaded === undefined) {
    log("info", "probes_skipped", { reason: "no config stored" });
    return undefined;
  }
  const stub = originStateStub(env);
  const watchdog = stub
    .ensureAlarm()
    .catch((error: unknown) => failStatic("durable_object", "alarm_watchdog_failed", { message: errorMessage(error) }));
  const round = await probeRound(loaded.compiled, (m) => dueOnCronTick(m, scheduledTime), false, Math.random, regionProber(env));
  await watchdog;
  if (round.results.length === 0) return undefined;
  // Probe results are counted by the Durable Object as it applies them (alarm and cron
  // alike), not here: this isolate is rarely the one scraped for /_edgeway/metrics.
  const snapshot = await stub.recordProbes(round);
  isolate.health.set(snapshot, Date.now());
  log("info", "probes_recorded", {
    probed: round.results.length,
    failed: round.results.filter((r) => !r.ok).length,
    configVersion: loaded.envelope.version,
  });
  return snapshot;
}
