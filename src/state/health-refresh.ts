/**
 * Keeps the isolate's health snapshot fresh without making requests wait: a stale
 * snapshot is refreshed in waitUntil; only an isolate that has never had one waits, and
 * then at most COLD_WAIT_MS before serving with every origin assumed healthy. The same
 * background work reports this isolate's latency estimates per colo, at most every
 * LATENCY_REPORT_MS, and its ejections (at once) and traffic counts (every few seconds),
 * each for the colo they were seen in, so Durable Object writes grow with isolates, not
 * with requests.
 */
import type { WaitUntil } from "../env.ts";
import { isolate, failStatic } from "../isolate.ts";
import { COLO_LATENCY_MAX_AGE_MS, MAX_LATENCY_ENTRIES, originStateStub } from "./origin-state.ts";
import { HealthSnapshotSchema } from "../health/snapshot.ts";
import type { HealthSnapshot } from "../health/snapshot.ts";
import { loadSnapshot, shareSnapshot } from "./snapshot-source.ts";
import { errorMessage } from "../observe/log.ts";
import { reportLoad, seedLoad } from "./load-sync.ts";

/** The longest a cold isolate waits for its first snapshot. */
export const COLD_WAIT_MS = 100;
/** How often an isolate reports its latency estimates. */
export const LATENCY_REPORT_MS = 10_000;

let lastReport = Number.NEGATIVE_INFINITY;

/** The edge location serving the request, or how to find it out: read only when a report or a refresh needs it. */
export type ColoSource = string | (() => string);

const coloOf = (colo: ColoSource): string => (typeof colo === "string" ? colo : colo());

/** Adopts the snapshot's latency view into the tracker of the colo it was asked for. */
export function seedLatency(snapshot: HealthSnapshot, colo: string): void {
  const latency = snapshot.latency;
  if (latency === undefined) return;
  const tracker = isolate.latency.tracker(colo);
  const sampledAt = snapshot.latencyAt ?? {};
  // An older object version sends no sample times: its estimates count as sampled now.
  for (const [key, value] of Object.entries(latency)) tracker.seed(key, value, sampledAt[key] ?? snapshot.generatedAt);
}

function startRefresh(env: Env, latencyColo: string): Promise<void> {
  return isolate.health.refresh(
    async () => {
      // The colo's cache first, the object on a miss; parsed in the background, never on the request path.
      // The colos this isolate serves (in production its one colo) get their own ejections.
      const snapshot = await loadSnapshot(latencyColo, isolate.health.current, () =>
        originStateStub(env).snapshot(latencyColo, isolate.outliers.colos()),
      );
      seedLatency(snapshot, latencyColo);
      seedLoad(snapshot);
      return snapshot;
    },
    Date.now,
    (error) => failStatic("durable_object", "snapshot_refresh_failed", { message: errorMessage(error) }),
  );
}

/** Estimates older than this are dropped from the isolate (they have decayed to nothing). */
export const LATENCY_KEEP_MS = COLO_LATENCY_MAX_AGE_MS;

/** Sends each colo's own estimates (one call per colo: one in production), at most every LATENCY_REPORT_MS. */
function reportLatency(env: Env, now: number): Promise<void> | undefined {
  if (now - lastReport < LATENCY_REPORT_MS) return undefined;
  lastReport = now;
  const sends: Promise<void>[] = [];
  for (const [colo, tracker] of isolate.latency.colos()) {
    tracker.prune(now, LATENCY_KEEP_MS);
    // Bounded as the object reads it: per origin and pool, never per request.
    const entries = tracker.entries().slice(0, MAX_LATENCY_ENTRIES);
    if (entries.length > 0) sends.push(originStateStub(env).reportLatency(colo, entries));
  }
  if (sends.length === 0) return undefined;
  return Promise.all(sends).then(
    () => undefined,
    (error: unknown) => failStatic("durable_object", "latency_report_failed", { message: errorMessage(error) }),
  );
}

function reportTraffic(env: Env, now: number): Promise<void> | undefined {
  // One reporter per colo the isolate serves: in production one, so one report at most.
  let sent: Promise<void>[] | undefined;
  for (const [colo, reporter] of isolate.traffic.entries()) {
    const report = reporter.take(colo, now);
    if (report === undefined) continue;
    (sent ??= []).push(
      originStateStub(env)
        .reportTraffic(report, isolate.outliers.colos())
        .then((fresh) => {
          const snapshot = HealthSnapshotSchema.parse(fresh);
          isolate.health.set(snapshot, Date.now());
          // The colo's other isolates see a new ejection with their next refresh, without an object read.
          return shareSnapshot(snapshot, colo);
        })
        .catch((error: unknown) => failStatic("durable_object", "traffic_report_failed", { message: errorMessage(error) })),
    );
  }
  return sent === undefined ? undefined : Promise.all(sent).then(() => undefined);
}

/** Sends pending ejections at once (in waitUntil); call after a request's tries. */
export function flushTrafficReport(env: Env, ctx: WaitUntil): void {
  const traffic = reportTraffic(env, Date.now());
  if (traffic !== undefined) ctx.waitUntil(traffic);
}

/**
 * Call once per request before steering. `colo` is the edge location serving it and
 * `latencyColo` the one whose latency view a refresh fetches (the data plane's
 * latencyColo; `colo` when absent). Returns
 * what the request must wait for — only on an isolate that has never had a snapshot — and
 * undefined otherwise, so a warm isolate's request does not await at all.
 */
export function ensureFreshHealth(env: Env, ctx: WaitUntil, colo: ColoSource, latencyColo?: string): Promise<void> | undefined {
  const now = Date.now();
  const report = reportLatency(env, now);
  if (report !== undefined) ctx.waitUntil(report);
  const load = reportLoad(env, colo, now);
  if (load !== undefined) ctx.waitUntil(load);
  const traffic = reportTraffic(env, now);
  if (traffic !== undefined) ctx.waitUntil(traffic);
  if (!isolate.health.isStale(now)) return undefined;
  const refresh = startRefresh(env, latencyColo ?? coloOf(colo));
  ctx.waitUntil(refresh);
  return isolate.health.current === undefined ? coldWait(refresh) : undefined;
}

/** The first snapshot, or COLD_WAIT_MS, whichever comes first. */
async function coldWait(refresh: Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([refresh, new Promise<void>((resolve) => (timer = setTimeout(resolve, COLD_WAIT_MS)))]);
  clearTimeout(timer);
}
