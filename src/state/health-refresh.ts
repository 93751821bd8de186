/**
 * Keeps the isolate's health snapshot fresh without making requests wait: a stale
 * snapshot is refreshed in waitUntil; only an isolate that has never had one waits, and
 * then at most COLD_WAIT_MS before serving with every origin assumed healthy. The same
 * background work reports this isolate's latency estimates for its colo, at most every
 * LATENCY_REPORT_MS, and its ejections (at once) and traffic counts (every few seconds),
 * so Durable Object writes grow with isolates, not with requests.
 */
import type { WaitUntil } from "../env.ts";
import { isolate, failStatic } from "../isolate.ts";
import { MAX_LATENCY_ENTRIES, originStateStub } from "./origin-state.ts";
import { HealthSnapshotSchema } from "../health/snapshot.ts";
import { loadSnapshot, shareSnapshot } from "./snapshot-source.ts";
import { errorMessage } from "../observe/log.ts";

/** The longest a cold isolate waits for its first snapshot. */
export const COLD_WAIT_MS = 100;
/** How often an isolate reports its latency estimates. */
export const LATENCY_REPORT_MS = 10_000;

let lastReport = Number.NEGATIVE_INFINITY;

/** The edge location serving the request, or how to find it out: read only when a report or a refresh needs it. */
export type ColoSource = string | (() => string);

const coloOf = (colo: ColoSource): string => (typeof colo === "string" ? colo : colo());

function startRefresh(env: Env, colo: string): Promise<void> {
  return isolate.health.refresh(
    async () => {
      // The colo's cache first, the object on a miss; parsed in the background, never on the request path.
      const snapshot = await loadSnapshot(colo, isolate.health.current, () => originStateStub(env).snapshot(colo));
      const now = Date.now();
      for (const [key, ewma] of Object.entries(snapshot.latency ?? {})) isolate.latency.seed(key, ewma, now);
      return snapshot;
    },
    Date.now,
    (error) => failStatic("durable_object", "snapshot_refresh_failed", { message: errorMessage(error) }),
  );
}

function reportLatency(env: Env, colo: ColoSource, now: number): Promise<void> | undefined {
  if (now - lastReport < LATENCY_REPORT_MS) return undefined;
  lastReport = now;
  // Bounded as the object reads it: per origin and pool, never per colo or request.
  const entries = isolate.latency.entries().slice(0, MAX_LATENCY_ENTRIES);
  if (entries.length === 0) return undefined;
  return originStateStub(env)
    .reportLatency(coloOf(colo), entries)
    .catch((error: unknown) => failStatic("durable_object", "latency_report_failed", { message: errorMessage(error) }));
}

function reportTraffic(env: Env, colo: ColoSource, now: number): Promise<void> | undefined {
  // Most calls find nothing due: the colo is looked up only for a report that is sent.
  const due = isolate.traffic.take("", now);
  if (due === undefined) return undefined;
  const report = { ...due, colo: coloOf(colo) };
  return originStateStub(env)
    .reportTraffic(report)
    .then((fresh) => {
      const snapshot = HealthSnapshotSchema.parse(fresh);
      isolate.health.set(snapshot, Date.now());
      // The colo's other isolates see a new ejection with their next refresh, without an object read.
      return shareSnapshot(snapshot, report.colo);
    })
    .catch((error: unknown) => failStatic("durable_object", "traffic_report_failed", { message: errorMessage(error) }));
}

/** Sends pending ejections at once (in waitUntil); call after a request's tries. */
export function flushTrafficReport(env: Env, ctx: WaitUntil, colo: ColoSource): void {
  const traffic = reportTraffic(env, colo, Date.now());
  if (traffic !== undefined) ctx.waitUntil(traffic);
}

/**
 * Call once per request before steering. `colo` is the edge location serving it. Returns
 * what the request must wait for — only on an isolate that has never had a snapshot — and
 * undefined otherwise, so a warm isolate's request does not await at all.
 */
export function ensureFreshHealth(env: Env, ctx: WaitUntil, colo: ColoSource): Promise<void> | undefined {
  const now = Date.now();
  const report = reportLatency(env, colo, now);
  if (report !== undefined) ctx.waitUntil(report);
  const traffic = reportTraffic(env, colo, now);
  if (traffic !== undefined) ctx.waitUntil(traffic);
  if (!isolate.health.isStale(now)) return undefined;
  const refresh = startRefresh(env, coloOf(colo));
  ctx.waitUntil(refresh);
  return isolate.health.current === undefined ? coldWait(refresh) : undefined;
}

/** The first snapshot, or COLD_WAIT_MS, whichever comes first. */
async function coldWait(refresh: Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([refresh, new Promise<void>((resolve) => (timer = setTimeout(resolve, COLD_WAIT_MS)))]);
  clearTimeout(timer);
}
