/** What a row and a pool are, in one word each, and the small summaries the cells print. */
import type { HistoryEntry } from "../../state/health-store.ts";
import type { OriginRow, PoolSection } from "./types.ts";

/** The one word for a row's state, worst first: it picks the row's colour. */
export function rowState(o: OriginRow, now: number): "disabled" | "unhealthy" | "ejected" | "drained" | "healthy" {
  if (!o.configuredEnabled || o.overrides.state?.value === "disabled") return "disabled";
  if (!o.healthy) return "unhealthy";
  if (o.ejection !== undefined && o.ejection.until > now) return "ejected";
  if (o.effectiveWeight === 0) return "drained";
  return "healthy";
}

/** Whether new traffic may go to the origin. */
export function available(o: OriginRow, now: number): boolean {
  return rowState(o, now) === "healthy";
}

/** A pool is down below minHealthy (at least one) available origins, degraded when any is unavailable. */
export function poolState(pool: PoolSection, now: number): { word: "up" | "degraded" | "down"; available: number; total: number } {
  // Registered origins the page does not list still count.
  const n = pool.origins.filter((o) => available(o, now)).length + (pool.moreRegistered?.available ?? 0);
  const total = pool.origins.length + (pool.moreRegistered?.count ?? 0);
  const word = n < Math.max(1, pool.minHealthy) ? "down" : n < total ? "degraded" : "up";
  return { word, available: n, total };
}

/** The latest probe in the history, whatever its order. */
export function newestProbe(o: OriginRow): HistoryEntry | undefined {
  return o.history.reduce<HistoryEntry | undefined>((a, b) => (a === undefined || b.at > a.at ? b : a), undefined);
}

/** One probe as "HTTP 200, 12 ms" or "failed, <reason>". */
export function probeSummary(h: HistoryEntry): string {
  return h.ok ? `${h.reason}, ${Math.round(h.latencyMs)} ms` : `failed, ${h.reason}`;
}

/** A share as a percentage, with a decimal under 10 %. */
export function percent(x: number): string {
  return `${x >= 0.1 || x === 0 ? Math.round(x * 100) : (x * 100).toFixed(1)} %`;
}
