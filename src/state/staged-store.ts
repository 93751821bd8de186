/**
 * Staged config changes as the Durable Object keeps them, in SQLite so they survive a
 * restart: each change (its stages, state, history) as one JSON row, and the counts of the
 * interval in progress per colo and side — the candidate's colos and the old version's —
 * added up from the colos' traffic reports by the config version each report says its colo
 * served. Bounded: one change in flight at a time, the newest ENDED_KEPT ended ones kept,
 * two rows of counts per colo.
 */
import { z } from "zod";
import { ColoBaselines } from "../config/staged-baseline.ts";
import { addSideCounts, NO_COUNTS, stagedEnded } from "../config/staged-controller.ts";
import type { StagedChange } from "../config/staged-controller.ts";
import type { RolloutStatus, SideCounts } from "../rollout/types.ts";
import type { CountEntry, TrafficReport } from "./ejection-store.ts";
import { MAX_REPORT_ENTRIES } from "./ejection-store.ts";

/** Ended staged changes kept (GET /_edgeway/config/staged shows the newest). */
export const ENDED_KEPT = 20;
/** A colo's traffic counts towards choosing the first stage's colos for this long. */
export const RECENT_TRAFFIC_MS = 5 * 60_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS staged_changes (version INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS staged_counts (
  version INTEGER NOT NULL, colo TEXT NOT NULL, side TEXT NOT NULL,
  requests REAL NOT NULL, failures REAL NOT NULL, sum REAL NOT NULL, sum_sq REAL NOT NULL, n REAL NOT NULL,
  PRIMARY KEY (version, colo, side)
);`;

/** What a stored row is. Parse, don't cast: an older object version may have written it. */
const ChangeSchema = z.object({
  version: z.number().int().positive(),
  from: z.number().int().positive(),
  colos: z.array(z.string()),
  rollout: z.custom<RolloutStatus>((v) => {
    const s = v as Partial<Record<keyof RolloutStatus, unknown>> | null;
    return typeof s === "object" && s !== null && typeof s.state === "string" && Array.isArray(s.history) && typeof s.spec === "object";
  }),
});

type Side = "target" | "stable";

/** One report's counts added up over its origins. */
function sumOf(counts: readonly CountEntry[]): SideCounts {
  let total = NO_COUNTS;
  for (const [, tries, failures, sum = 0, sumSq = 0, n = 0] of counts.slice(0, MAX_REPORT_ENTRIES)) {
    if (!(tries > 0) || !(failures >= 0) || !Number.isFinite(tries) || !Number.isFinite(failures)) continue;
    const timed = n > 0 && n <= tries && sum >= 0 && sumSq >= 0 && Number.isFinite(sum) && Number.isFinite(sumSq);
    total = addSideCounts(total, {
      requests: Math.floor(tries),
      failures: Math.floor(Math.min(failures, tries)),
      latencySumMs: timed ? sum : 0,
      latencySumSqMs: timed ? sumSq : 0,
      latencyCount: timed ? Math.floor(n) : 0,
    });
  }
  return total;
}

export class StagedStore {
  readonly #sql: SqlStorage;
  readonly #changes = new Map<number, StagedChange>();
  /** colo → requests lately and when last heard (in memory: a restart only forgets whom to pick first). */
  readonly #recent = new Map<string, { requests: number; at: number }>();
  /** Each colo's recent traffic on the version in force (what a colo on a candidate is compared with). */
  readonly baselines = new ColoBaselines();

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(SCHEMA);
    for (const row of sql.exec<{ body: string }>("SELECT body FROM staged_changes ORDER BY version")) {
      const parsed = ChangeSchema.safeParse(JSON.parse(row.body));
      if (parsed.success) this.#changes.set(parsed.data.version, parsed.data);
    }
  }

  /** The change in flight (progressing or paused), if any. */
  inFlight(): StagedChange | undefined {
    for (const c of this.#changes.values()) if (!stagedEnded(c)) return c;
    return undefined;
  }

  /** Every kept change, newest first. */
  all(): StagedChange[] {
    return [...this.#changes.values()].sort((a, b) => b.version - a.version);
  }

  get(version: number): StagedChange | undefined {
    return this.#changes.get(version);
  }

  save(change: StagedChange): void {
    this.#changes.set(change.version, change);
    this.#sql.exec(
      "INSERT INTO staged_changes (version, body) VALUES (?, ?) ON CONFLICT (version) DO UPDATE SET body = excluded.body",
      change.version,
      JSON.stringify(change),
    );
    if (stagedEnded(change)) this.clearCounts(change.version);
    const ended = this.all().filter(stagedEnded);
    for (const old of ended.slice(ENDED_KEPT)) {
      this.#changes.delete(old.version);
      this.#sql.exec("DELETE FROM staged_changes WHERE version = ?", old.version);
    }
  }

  /** Adds a colo's report to the change in flight, on the side its config version says. */
  record(report: TrafficReport, now: number): void {
    const total = sumOf(report.counts);
    if (total.requests > 0) {
      const held = this.#recent.get(report.colo);
      const fresh = held !== undefined && now - held.at < RECENT_TRAFFIC_MS;
      this.#recent.set(report.colo, { requests: (fresh ? held.requests : 0) + total.requests, at: now });
    }
    const change = this.inFlight();
    if (change === undefined || change.rollout.state !== "progressing" || total.requests === 0) return;
    const side: Side | undefined = report.version === change.version ? "target" : report.version === change.from ? "stable" : undefined;
    // A report without a version, or of a third version (an isolate not caught up yet), is on neither side.
    if (side === undefined) return;
    this.#sql.exec(
      `INSERT INTO staged_counts (version, colo, side, requests, failures, sum, sum_sq, n) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (version, colo, side) DO UPDATE SET requests = requests + excluded.requests, failures = failures + excluded.failures,
         sum = sum + excluded.sum, sum_sq = sum_sq + excluded.sum_sq, n = n + excluded.n`,
      change.version,
      report.colo,
      side,
      total.requests,
      total.failures,
      total.latencySumMs,
      total.latencySumSqMs,
      total.latencyCount,
    );
  }

  /** Requests per colo heard lately (for choosing the first stage's colos). */
  recentTraffic(now: number): Map<string, number> {
    const out = new Map<string, number>();
    for (const [colo, r] of this.#recent) if (now - r.at < RECENT_TRAFFIC_MS) out.set(colo, r.requests);
    return out;
  }

  /** The interval's counts so far, per colo and side. */
  counts(version: number): Map<string, { target: SideCounts; stable: SideCounts }> {
    const out = new Map<string, { target: SideCounts; stable: SideCounts }>();
    const rows = this.#sql.exec<{ colo: string; side: string; requests: number; failures: number; sum: number; sum_sq: number; n: number }>(
      "SELECT colo, side, requests, failures, sum, sum_sq, n FROM staged_counts WHERE version = ?",
      version,
    );
    for (const r of rows) {
      const sides = out.get(r.colo) ?? { target: NO_COUNTS, stable: NO_COUNTS };
      const counts: SideCounts = {
        requests: r.requests,
        failures: r.failures,
        latencySumMs: r.sum,
        latencySumSqMs: r.sum_sq,
        latencyCount: r.n,
      };
      out.set(r.colo, r.side === "target" ? { ...sides, target: counts } : { ...sides, stable: counts });
    }
    return out;
  }

  /** A fresh interval: the counts so far are dropped. */
  clearCounts(version: number): void {
    this.#sql.exec("DELETE FROM staged_counts WHERE version = ?", version);
  }
}
