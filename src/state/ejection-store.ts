/**
 * Passive health as isolates report it: ejections in force (the latest `until` wins), a
 * bounded log of ejections per origin, and per-origin traffic counts in 10 s buckets for
 * error-rate history. Isolates send these batched, every few seconds and at once on an
 * ejection, so writes grow with origins and isolates, never with requests.
 */
import type { Ejection, EjectionKind } from "../health/outlier.ts";
import type { EjectionRow } from "./sql-schema.ts";
import { trimPerOrigin } from "./sql-schema.ts";
import { log } from "../observe/log.ts";

/** Ejections kept in the log per origin. */
export const EJECTION_LOG_PER_ORIGIN = 50;
/** Traffic is counted in buckets this long… */
export const TRAFFIC_BUCKET_MS = 10_000;
/** …and kept this long. */
export const TRAFFIC_RETENTION_MS = 60 * 60_000;
/** The most entries one report may carry. */
export const MAX_REPORT_ENTRIES = 2_000;

/** An ejection as an isolate reports it. */
export interface ReportedEjection extends Ejection {
  /** Whether a passing probe ends it early (the pool's `unejectOnProbeSuccess`). */
  readonly unejectOnProbeSuccess: boolean;
}

/** What an isolate sends: its new ejections and its traffic counts since the last report. */
export interface TrafficReport {
  readonly colo: string;
  readonly ejections: readonly ReportedEjection[];
  /** [origin id, tries, failed tries] */
  readonly counts: readonly (readonly [string, number, number])[];
}

export interface EjectionLogEntry {
  readonly at: number;
  readonly until: number;
  readonly kind: string;
  readonly reason: string;
  readonly colo: string;
}

export interface TrafficBucket {
  readonly at: number;
  readonly tries: number;
  readonly failures: number;
}

function toRecord(row: EjectionRow): ReportedEjection {
  return {
    originId: row.origin_id,
    poolId: row.pool_id,
    kind: row.kind as EjectionKind,
    at: row.at,
    until: row.until,
    count: row.count,
    reason: row.reason,
    unejectOnProbeSuccess: row.uneject_on_probe === 1,
  };
}

export class EjectionStore {
  readonly #sql: SqlStorage;
  readonly #active = new Map<string, ReportedEjection>();

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    for (const row of sql.exec<EjectionRow>("SELECT * FROM ejections")) this.#active.set(row.origin_id, toRecord(row));
  }

  /** The ejection in force for an origin at `now`. */
  active(originId: string, now: number): ReportedEjection | undefined {
    const e = this.#active.get(originId);
    return e !== undefined && e.until > now ? e : undefined;
  }

  /** Every ejection in force at `now`. */
  all(now: number): ReportedEjection[] {
    return [...this.#active.values()].filter((e) => e.until > now);
  }

  /** Records a report; an ejection that ends no later than the one held is ignored. */
  record(report: TrafficReport, now: number): void {
    for (const e of report.ejections.slice(0, MAX_REPORT_ENTRIES)) {
      if (!(e.until > now) || !Number.isFinite(e.until)) continue;
      const held = this.active(e.originId, now);
      if (held !== undefined && held.until >= e.until) continue;
      const kept: ReportedEjection = { ...e, count: Math.max(e.count, held?.count ?? 0) };
      this.#active.set(e.originId, kept);
      this.#sql.exec(
        `INSERT INTO ejections (origin_id, pool_id, kind, at, until, count, reason, uneject_on_probe, colo) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (origin_id) DO UPDATE SET pool_id = excluded.pool_id, kind = excluded.kind, at = excluded.at, until = excluded.until,
           count = excluded.count, reason = excluded.reason, uneject_on_probe = excluded.uneject_on_probe, colo = excluded.colo`,
        kept.originId,
        kept.poolId,
        kept.kind,
        kept.at,
        kept.until,
        kept.count,
        kept.reason,
        kept.unejectOnProbeSuccess ? 1 : 0,
        report.colo,
      );
      this.#sql.exec(
        "INSERT INTO ejection_log (origin_id, at, until, kind, reason, colo) VALUES (?, ?, ?, ?, ?, ?)",
        e.originId,
        e.at,
        e.until,
        e.kind,
        e.reason,
        report.colo,
      );
      trimPerOrigin(this.#sql, "ejection_log", e.originId, EJECTION_LOG_PER_ORIGIN);
      log("info", "ejection_recorded", {
        origin: e.originId,
        pool: e.poolId,
        kind: e.kind,
        until: new Date(e.until).toISOString(),
        count: kept.count,
        reason: e.reason,
        colo: report.colo,
      });
    }
    const bucket = Math.floor(now / TRAFFIC_BUCKET_MS) * TRAFFIC_BUCKET_MS;
    for (const [originId, tries, failures] of report.counts.slice(0, MAX_REPORT_ENTRIES)) {
      if (!(tries > 0) || !(failures >= 0)) continue;
      this.#sql.exec(
        `INSERT INTO traffic (origin_id, bucket, tries, failures) VALUES (?, ?, ?, ?)
         ON CONFLICT (origin_id, bucket) DO UPDATE SET tries = traffic.tries + excluded.tries, failures = traffic.failures + excluded.failures`,
        originId,
        bucket,
        Math.floor(tries),
        Math.floor(Math.min(failures, tries)),
      );
    }
    if (report.counts.length > 0) this.#sql.exec("DELETE FROM traffic WHERE bucket < ?", now - TRAFFIC_RETENTION_MS);
  }

  /** A probe passed at `at`: ends an ejection that began before it, when its pool allows. Returns true if one ended. */
  probePassed(originId: string, at: number, now: number): boolean {
    const e = this.active(originId, now);
    if (e === undefined || !e.unejectOnProbeSuccess || at <= e.at) return false;
    this.release(originId);
    log("info", "origin_returned", { origin: originId, reason: "a probe passed", ejectedAt: new Date(e.at).toISOString() });
    return true;
  }

  /** Ends an origin's ejection. */
  release(originId: string): void {
    this.#active.delete(originId);
    this.#sql.exec("DELETE FROM ejections WHERE origin_id = ?", originId);
  }

  /** Forgets ejections that have ended. */
  sweep(now: number): void {
    for (const [id, e] of this.#active) if (e.until <= now) this.release(id);
  }

  log(originId: string, limit: number): EjectionLogEntry[] {
    return this.#sql
      .exec<{ at: number; until: number; kind: string; reason: string; colo: string }>(
        "SELECT at, until, kind, reason, colo FROM ejection_log WHERE origin_id = ? ORDER BY seq DESC LIMIT ?",
        originId,
        limit,
      )
      .toArray()
      .map((r) => ({ at: r.at, until: r.until, kind: r.kind, reason: r.reason, colo: r.colo }));
  }

  traffic(originId: string, limit: number): TrafficBucket[] {
    return this.#sql
      .exec<{ bucket: number; tries: number; failures: number }>(
        "SELECT bucket, tries, failures FROM traffic WHERE origin_id = ? ORDER BY bucket DESC LIMIT ?",
        originId,
        limit,
      )
      .toArray()
      .map((r) => ({ at: r.bucket, tries: r.tries, failures: r.failures }));
  }

  /** Every origin with an ejection, a logged one or traffic counts. */
  originIds(): string[] {
    return this.#sql
      .exec<{ origin_id: string }>(
        "SELECT DISTINCT origin_id FROM ejection_log UNION SELECT DISTINCT origin_id FROM traffic UNION SELECT origin_id FROM ejections",
      )
      .toArray()
      .map((r) => r.origin_id);
  }

  /** Drops every origin not in `known`. */
  retain(known: ReadonlySet<string>): void {
    for (const id of this.originIds()) {
      if (known.has(id)) continue;
      this.#active.delete(id);
      for (const table of ["ejections", "ejection_log", "traffic"]) this.#sql.exec(`DELETE FROM ${table} WHERE origin_id = ?`, id);
    }
  }
}
