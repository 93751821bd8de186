/**
 * Latency estimates per colo in the Durable Object (table colo_latency): what isolates
 * report every few seconds, and each colo's view for its snapshot.
 */
import type { HealthSnapshot } from "../health/snapshot.ts";

/** Estimates not refreshed for this long are dropped: they have decayed to nothing. */
export const COLO_LATENCY_MAX_AGE_MS = 10 * 60_000;
/** At most this many latency entries are taken from one report or put in one view. */
export const MAX_LATENCY_ENTRIES = 2_000;

export class LatencyStore {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  /**
   * The colo's latency estimates (ms) and when each was last sampled; a colo with no
   * estimates gets the global view instead — per key, the mean of every colo's estimate —
   * so a cold colo starts from something, and learns its own within its first requests.
   */
  view(colo: string, now: number): Pick<HealthSnapshot, "latency" | "latencyAt" | "latencyScope"> {
    const sql = this.#sql;
    const since = now - COLO_LATENCY_MAX_AGE_MS;
    const latency: Record<string, number> = {};
    const latencyAt: Record<string, number> = {};
    for (const row of sql.exec<{ key: string; ewma: number; at: number }>(
      "SELECT key, ewma, updated_at AS at FROM colo_latency WHERE colo = ? AND updated_at >= ?",
      colo,
      since,
    )) {
      latency[row.key] = row.ewma;
      latencyAt[row.key] = row.at;
    }
    if (Object.keys(latency).length > 0) return { latency, latencyAt, latencyScope: "colo" };
    for (const row of sql.exec<{ key: string; ewma: number; at: number }>(
      "SELECT key, AVG(ewma) AS ewma, MAX(updated_at) AS at FROM colo_latency WHERE updated_at >= ? GROUP BY key LIMIT ?",
      since,
      MAX_LATENCY_ENTRIES,
    )) {
      latency[row.key] = row.ewma;
      latencyAt[row.key] = row.at;
    }
    return { latency, latencyAt, latencyScope: "global" };
  }

  /**
   * An isolate's latency estimates for a colo (sent every few seconds, never per request):
   * `[key, ms, sampledAt]` each. Per colo and key the most recently sampled estimate wins;
   * a report of an older sample (another isolate's, or the same one again) changes
   * nothing. An entry without its sample time (an older isolate version) counts as sampled now.
   */
  record(colo: string, entries: readonly (readonly [string, number, number?])[], now: number): void {
    const sql = this.#sql;
    for (const [key, ewma, sampledAt] of entries.slice(0, MAX_LATENCY_ENTRIES)) {
      if (typeof key !== "string" || !Number.isFinite(ewma) || ewma < 0) continue;
      // A sample time in the future (clock skew) counts as now.
      const at = sampledAt !== undefined && Number.isFinite(sampledAt) ? Math.min(sampledAt, now) : now;
      sql.exec(
        `INSERT INTO colo_latency (colo, key, ewma, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (colo, key) DO UPDATE SET ewma = excluded.ewma, updated_at = excluded.updated_at
         WHERE excluded.updated_at > colo_latency.updated_at`,
        colo,
        key,
        ewma,
        at,
      );
    }
    sql.exec("DELETE FROM colo_latency WHERE updated_at < ?", now - COLO_LATENCY_MAX_AGE_MS);
  }
}
