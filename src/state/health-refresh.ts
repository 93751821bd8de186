/**
 * Keeps the isolate's health snapshot fresh without making requests wait: a stale
 * snapshot is refreshed in waitUntil; only an isolate that has never had one waits, and
 * then at most COLD_WAIT_MS before serving with every origin assumed healthy. The same
 * background work sends this isolate's traffic report for each colo it serves: ejections
 * at once, counts, latency estimates and origins' load together every few seconds
 * (traffic-report.ts), to the colo's aggregator (report-send.ts), so Durable Object
 * writes grow with colos, not with isolates or requests.
 */
import type { WaitUntil } from "../env.ts";
import { isolate, failStatic } from "../isolate.ts";
import { originStateStub } from "./origin-state.ts";
import { HealthSnapshotSchema } from "../health/snapshot.ts";
import type { HealthSnapshot } from "../health/snapshot.ts";
import { loadSnapshot, shareSnapshot } from "./snapshot-source.ts";
import { errorMessage } from "../observe/log.ts";
import { seedLoad, takeFreshLoad } from "./load-sync.ts";
import { sendReport } from "./report-send.ts";

/** The longest a cold isolate waits for its first snapshot. */
export const COLD_WAIT_MS = 100;
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

function reportTraffic(env: Env, now: number): Promise<void> | undefined {
  // One reporter per colo the isolate serves: in production one, so one report at most.
  let sent: Promise<void>[] | undefined;
  for (const [colo, reporter] of isolate.traffic.entries()) {
    const taken = reporter.take(colo, now, isolate.latency);
    if (taken === undefined) continue;
    // Origins' load rides with the isolate's first report (in production its only one).
    const load = sent === undefined ? takeFreshLoad() : [];
    const report = load.length === 0 ? taken : { ...taken, load };
    (sent ??= []).push(
      sendReport(env, report, isolate.outliers.colos())
        .then((fresh) => {
          // Held by the colo's aggregator: the next refresh brings the news.
          if (fresh === undefined) return undefined;
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

/**
 * Sends the isolate's traffic report when one is due (in waitUntil): at once for a new
 * ejection, else every REPORT_INTERVAL_MS. Call once per request, after its tries.
 */
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
  // Reports go after the request's tries (flushTrafficReport), which carries their ejections at once.
  const now = Date.now();
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
