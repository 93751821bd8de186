/**
 * The chaos run: a fresh Edgeway in front of three origins (one `weighted` pool, a
 * monitor probing every few seconds, outlier detection at its defaults) under steady
 * load; one origin is killed mid-load (listener closed, open sockets destroyed: connects
 * are refused) and restarted later on the same port.
 *
 * Ground truth comes from both ends: the origin process counts what each origin served
 * per time bucket; the driver counts what the client saw (2xx, non-2xx, socket errors);
 * Edgeway's own `edgeway_origin_tries_total{origin, outcome}` counter, sampled every
 * bucket, shows when it stopped *trying* the dead origin (which serves nothing either
 * way), and `GET /_edgeway/health` when its probes marked it down and up.
 */
import { drive } from "./drive.ts";
import { putConfig, readHealth, readMetrics, sumMetric } from "./edgeway.ts";
import type { ChaosOptions } from "./options.ts";
import type { OriginProcess } from "./origins.ts";
import type { RunningWorker } from "./runtime.ts";
import { chaosConfig } from "./scenarios.ts";

export const CHAOS_ORIGINS = ["c1", "c2", "c3"] as const;
export const CHAOS_VICTIM = "c2";

export interface ChaosResult {
  readonly options: ChaosOptions;
  readonly connections: number;
  readonly origins: readonly string[];
  readonly victim: string;
  /** ms after the load started. */
  readonly killAtMs: number;
  readonly restartAtMs: number;
  readonly buckets: {
    readonly startMs: number[];
    readonly perOrigin: Record<string, number[]>;
    readonly clientOk: number[];
    readonly clientErrors: number[];
  };
  /** Edgeway's tries to the victim that failed (connect failure or timeout), over time. */
  readonly triesSamples: { readonly atMs: number; readonly failedTries: number; readonly retries: number }[];
  /** The victim in GET /_edgeway/health: probe health and outlier ejection. */
  readonly healthSamples: HealthSample[];
  readonly figures: ChaosFigures;
  readonly latencyMs: { readonly p50: number; readonly p99: number };
}

export interface HealthSample {
  readonly atMs: number;
  readonly healthy: boolean | undefined;
  readonly ejected: boolean | undefined;
}

export interface ChaosFigures {
  readonly requests: number;
  /** Non-2xx answers plus socket errors and timeouts, as the client saw them. */
  readonly clientErrors: number;
  readonly clientNon2xx: number;
  readonly clientSocketErrors: number;
  /** Origin-side: requests the victim served between the kill and the restart. */
  readonly deadServedWhileDown: number;
  /** Edgeway-side: tries sent to the victim between the kill and the restart that failed. */
  readonly failedTriesWhileDown: number | undefined;
  readonly retriesWhileDown: number | undefined;
  /** From the kill until Edgeway's failed-try counter for the victim stopped rising (sample resolution); undefined: never stopped. */
  readonly timeToEjectionMs: number | undefined;
  /** Failed tries per second to the victim over the last second before the restart (0 once ejected). */
  readonly failedTriesPerSecBeforeRestart: number | undefined;
  /** From the kill until /_edgeway/health said unhealthy (probes), and ejected (outlier detection). */
  readonly markedDownAfterMs: number | undefined;
  readonly markedEjectedAfterMs: number | undefined;
  /** From the restart until the victim served its first request again (origin-side, exact). */
  readonly timeToFirstRequestMs: number | undefined;
  /** From the restart until the victim's share was back to ≥ 80% of its weight's share for two buckets in a row. */
  readonly timeToFullShareMs: number | undefined;
  /** From the restart until /_edgeway/health said healthy again and no longer ejected (only if it had said otherwise). */
  readonly markedUpAfterMs: number | undefined;
  readonly unejectedAfterMs: number | undefined;
}

export interface ChaosPlan {
  readonly options: ChaosOptions;
  readonly connections: number;
  readonly origins: OriginProcess;
  readonly originUrls: ReadonlyMap<string, string>;
  readonly edgeway: RunningWorker;
  readonly adminToken: string;
  readonly log: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Samples `f` every `everyMs` (never two at once) until stopped. */
function sampler(everyMs: number, f: () => Promise<void>): () => Promise<void> {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const started = Date.now();
      await f().catch(() => undefined);
      await sleep(Math.max(0, everyMs - (Date.now() - started)));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

export async function runChaos(plan: ChaosPlan): Promise<ChaosResult> {
  const { options, edgeway, adminToken: token, log } = plan;
  const base = edgeway.url;
  const victim = CHAOS_VICTIM;
  await putConfig(
    base,
    token,
    chaosConfig(
      CHAOS_ORIGINS.map((id) => ({ id, url: plan.originUrls.get(id) ?? "" })),
      options.probeIntervalSec,
    ),
  );
  // Unrecorded: the isolate loads the config and its first health snapshot, probes start.
  await drive({ url: base.href, connections: plan.connections, durationSec: options.warmupSec });

  const bucketMs = options.bucketMs;
  const t0 = Date.now() + 50;
  // Answers that arrive after the last whole bucket (the run's last instants) count in it.
  const n = Math.ceil((options.durationSec * 1_000) / bucketMs);
  const clientOk = new Array<number>(n).fill(0);
  const clientErrors = new Array<number>(n).fill(0);
  const bucket = () => Math.min(n - 1, Math.max(0, Math.floor((Date.now() - t0) / bucketMs)));
  const add = (counts: number[]) => {
    const i = bucket();
    counts[i] = (counts[i] ?? 0) + 1;
  };
  await plan.origins.track(t0, bucketMs);
  while (Date.now() < t0) await sleep(5);

  const triesSamples: { atMs: number; failedTries: number; retries: number }[] = [];
  const healthSamples: HealthSample[] = [];
  const stopTries = sampler(bucketMs, async () => {
    const m = await readMetrics(base, token);
    const failed =
      sumMetric(m, "edgeway_origin_tries_total", { origin: victim, outcome: "connect-failure" }) +
      sumMetric(m, "edgeway_origin_tries_total", { origin: victim, outcome: "timeout" });
    triesSamples.push({ atMs: Date.now() - t0, failedTries: failed, retries: sumMetric(m, "edgeway_retries_total") });
  });
  const stopHealth = sampler(1_000, async () => {
    const h = (await readHealth(base, token))[victim];
    healthSamples.push({ atMs: Date.now() - t0, healthy: h?.healthy, ejected: h?.ejected });
  });

  let killAtMs = Number.NaN;
  let restartAtMs = Number.NaN;
  const events = (async () => {
    await sleep(t0 + options.killAtSec * 1_000 - Date.now());
    killAtMs = (await plan.origins.kill(victim)) - t0;
    log(`chaos: ${victim} killed at ${(killAtMs / 1_000).toFixed(2)} s`);
    await sleep(t0 + options.restartAtSec * 1_000 - Date.now());
    restartAtMs = (await plan.origins.restart(victim)) - t0;
    log(`chaos: ${victim} restarted at ${(restartAtMs / 1_000).toFixed(2)} s`);
  })();
  // Awaited after the load; until then a failure (the origin process gone on Ctrl-C) must not crash the run.
  events.catch(() => undefined);

  const result = await drive({
    url: base.href,
    connections: plan.connections,
    durationSec: options.durationSec,
    timeoutSec: 5,
    onResponse: (status) => add(status >= 200 && status < 300 ? clientOk : clientErrors),
    onError: () => add(clientErrors),
  });
  await events;
  await Promise.all([stopTries(), stopHealth()]);
  const counts = await plan.origins.counts();

  const perOrigin: Record<string, number[]> = {};
  for (const id of CHAOS_ORIGINS) perOrigin[id] = Array.from({ length: n }, (_, i) => counts[id]?.buckets[i] ?? 0);
  const startMs = Array.from({ length: n }, (_, i) => i * bucketMs);
  const firstAt = counts[victim]?.firstRequestAt;

  const figures = analyse({
    bucketMs,
    startMs,
    perOrigin,
    victim,
    killAtMs,
    restartAtMs,
    triesSamples,
    healthSamples,
    firstRequestAfterRestartMs: firstAt === null || firstAt === undefined ? undefined : firstAt - t0,
  });
  return {
    options,
    connections: plan.connections,
    origins: [...CHAOS_ORIGINS],
    victim,
    killAtMs,
    restartAtMs,
    buckets: { startMs, perOrigin, clientOk, clientErrors },
    triesSamples,
    healthSamples,
    figures: {
      ...figures,
      requests: result.ok + result.non2xx + result.errors,
      clientErrors: result.non2xx + result.errors,
      clientNon2xx: result.non2xx,
      clientSocketErrors: result.errors,
    },
    latencyMs: { p50: result.latencyMs.p50, p99: result.latencyMs.p99 },
  };
}

interface AnalyseInput {
  readonly bucketMs: number;
  readonly startMs: readonly number[];
  readonly perOrigin: Readonly<Record<string, readonly number[]>>;
  readonly victim: string;
  readonly killAtMs: number;
  readonly restartAtMs: number;
  readonly triesSamples: readonly { atMs: number; failedTries: number; retries: number }[];
  readonly healthSamples: readonly HealthSample[];
  readonly firstRequestAfterRestartMs: number | undefined;
}

type Analysed = Omit<ChaosFigures, "requests" | "clientErrors" | "clientNon2xx" | "clientSocketErrors">;

/** The chaos figures from the buckets and samples (pure, so it can be checked on its own). */
export function analyse(input: AnalyseInput): Analysed {
  const { bucketMs, startMs, perOrigin, victim, killAtMs, restartAtMs } = input;
  const victimBuckets = perOrigin[victim] ?? [];
  let deadServedWhileDown = 0;
  startMs.forEach((s, i) => {
    if (s >= killAtMs && s + bucketMs <= restartAtMs) deadServedWhileDown += victimBuckets[i] ?? 0;
  });

  // Edgeway's failed tries to the victim: the last sample at or before an instant.
  const at = (t: number) => [...input.triesSamples].reverse().find((s) => s.atMs <= t);
  const beforeKill = at(killAtMs);
  const beforeRestart = at(restartAtMs);
  const failedTriesWhileDown =
    beforeKill !== undefined && beforeRestart !== undefined ? beforeRestart.failedTries - beforeKill.failedTries : undefined;
  const retriesWhileDown = beforeKill !== undefined && beforeRestart !== undefined ? beforeRestart.retries - beforeKill.retries : undefined;
  const down = input.triesSamples.filter((s) => s.atMs > killAtMs && s.atMs <= restartAtMs);
  const final = down.at(-1)?.failedTries;
  // When the counter reached the value it kept until the restart.
  const settled = final === undefined ? undefined : down.find((s) => s.failedTries === final);
  const lastSecond = at(restartAtMs - 1_000);
  const failedTriesPerSecBeforeRestart =
    beforeRestart !== undefined && lastSecond !== undefined && beforeRestart.atMs > lastSecond.atMs
      ? ((beforeRestart.failedTries - lastSecond.failedTries) * 1_000) / (beforeRestart.atMs - lastSecond.atMs)
      : undefined;
  // Ejected = no failed try for at least the last second before the restart.
  const ejected = settled !== undefined && restartAtMs - settled.atMs >= 1_000;
  const timeToEjectionMs = ejected ? Math.max(0, settled.atMs - killAtMs) : undefined;

  // Health as /_edgeway/health showed it (1 s samples): down after the kill (even if only
  // after the restart), back up after the restart and after it had been down.
  const first = (from: number, f: (s: HealthSample) => boolean) => input.healthSamples.find((s) => s.atMs > from && f(s));
  const markedDown = first(killAtMs, (s) => s.healthy === false);
  const markedEjected = first(killAtMs, (s) => s.ejected === true);
  const markedUp = markedDown === undefined ? undefined : first(Math.max(restartAtMs, markedDown.atMs), (s) => s.healthy === true);
  const unejected = markedEjected === undefined ? undefined : first(Math.max(restartAtMs, markedEjected.atMs), (s) => s.ejected === false);

  // Full share: the victim's weight share is 1 / origins (equal weights).
  const share = 1 / Math.max(1, Object.keys(perOrigin).length);
  let timeToFullShareMs: number | undefined;
  for (let i = 0; i + 1 < startMs.length; i++) {
    const s = startMs[i] ?? 0;
    if (s < restartAtMs) continue;
    const ok = (j: number) => {
      const total = Object.values(perOrigin).reduce((sum, b) => sum + (b[j] ?? 0), 0);
      return total > 0 && (victimBuckets[j] ?? 0) / total >= 0.8 * share;
    };
    if (ok(i) && ok(i + 1)) {
      timeToFullShareMs = s + bucketMs - restartAtMs;
      break;
    }
  }

  return {
    deadServedWhileDown,
    failedTriesWhileDown,
    retriesWhileDown,
    timeToEjectionMs,
    failedTriesPerSecBeforeRestart,
    markedDownAfterMs: markedDown === undefined ? undefined : markedDown.atMs - killAtMs,
    markedEjectedAfterMs: markedEjected === undefined ? undefined : markedEjected.atMs - killAtMs,
    timeToFirstRequestMs:
      input.firstRequestAfterRestartMs === undefined ? undefined : Math.max(0, input.firstRequestAfterRestartMs - restartAtMs),
    timeToFullShareMs,
    markedUpAfterMs: markedUp === undefined ? undefined : markedUp.atMs - restartAtMs,
    unejectedAfterMs: unejected === undefined ? undefined : unejected.atMs - restartAtMs,
  };
}
