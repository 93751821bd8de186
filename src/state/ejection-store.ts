/**
 * Passive health as isolates report it, kept per colo: each colo's ejections in force (the
 * latest `until` wins within a colo), when each colo last sent each origin traffic, the
 * global verdict those make (health/quorum.ts), a bounded log of ejections per origin,
 * and per-origin traffic counts in 10 s buckets for error-rate history. Isolates send
 * these batched, every few seconds and at once on an ejection, so writes grow with origins
 * and colos, never with requests.
 */
import type { Ejection, EjectionKind } from "../health/outlier.ts";
import { GlobalQuorumSchema } from "../config/schema.ts";
import { DEFAULT_GLOBAL_QUORUM, quorumVerdict } from "../health/quorum.ts";
import type { ColoEjection, GlobalQuorum, QuorumVerdict } from "../health/quorum.ts";
import type { ColoEjectionRow } from "./sql-schema.ts";
import { trimPerOrigin } from "./sql-schema.ts";
import { ColoTrafficStore } from "./colo-traffic-store.ts";
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
  /** The pool's `outlierDetection.globalQuorum` (isolates of older versions send none: defaults apply). */
  readonly quorum?: GlobalQuorum;
}

/** One colo's ejection as the object holds it. */
export interface HeldEjection extends ReportedEjection, ColoEjection {}

/** One origin's counts in a report: [origin id, tries, failures, latency sum ms?, latency sum of squares?, latency count?]. */
export type CountEntry = readonly [string, number, number, number?, number?, number?];

/** A latency estimate as reported: [key, ms, sampled at] (no sample time from older isolate versions: counts as now). */
export type LatencyReportEntry = readonly [string, number, number?];

/**
 * What an isolate sends: its new ejections, its traffic counts, its latency estimates and
 * origins' load reports since the last report (one call per interval for all four; older
 * isolate versions sent latency and load by `reportLatency` and `reportLoad` instead).
 */
export interface TrafficReport {
  readonly colo: string;
  /** The config version the colo's requests were served with (a staged change's sides; older isolates send none). */
  readonly version?: number;
  readonly ejections: readonly ReportedEjection[];
  /**
   * [origin id, tries, failed tries, and of the tries that got a response: latency sum (ms),
   * sum of squares (ms²), count] — the last three feed rollouts' analysis (rollout-store.ts);
   * isolates of older versions send the first three only.
   */
  readonly counts: readonly CountEntry[];
  /** The colo's latency estimates (latency-store.ts), at most MAX_LATENCY_ENTRIES read. */
  readonly latency?: readonly LatencyReportEntry[];
  /** Origins' load reports the isolate heard since its last report: [origin id, OriginLoad] (load-store.ts). */
  readonly load?: readonly (readonly [string, unknown])[];
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

function quorumOf(text: string): GlobalQuorum {
  try {
    const parsed = GlobalQuorumSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : DEFAULT_GLOBAL_QUORUM;
  } catch {
    return DEFAULT_GLOBAL_QUORUM;
  }
}

function toRecord(row: ColoEjectionRow): HeldEjection {
  return {
    originId: row.origin_id,
    colo: row.colo,
    poolId: row.pool_id,
    kind: row.kind as EjectionKind,
    at: row.at,
    until: row.until,
    count: row.count,
    reason: row.reason,
    unejectOnProbeSuccess: row.uneject_on_probe === 1,
    quorum: quorumOf(row.quorum),
  };
}

export class EjectionStore {
  readonly #sql: SqlStorage;
  /** origin id → colo → that colo's ejection (possibly ended: sweep() drops those). */
  readonly #held = new Map<string, Map<string, HeldEjection>>();
  readonly #traffic: ColoTrafficStore;
  /** Origins the quorum ejects everywhere, and until when, to log once when that starts. */
  readonly #everywhere = new Map<string, number>();

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    this.#traffic = new ColoTrafficStore(sql);
    for (const row of sql.exec<ColoEjectionRow>("SELECT * FROM colo_ejections")) this.#hold(toRecord(row));
  }

  /** The colos' ejections of an origin in force at `now`. */
  inForce(originId: string, now: number): HeldEjection[] {
    return [...(this.#held.get(originId)?.values() ?? [])].filter((e) => e.until > now);
  }

  /** One colo's ejections in force at `now` (what the snapshot hands that colo's isolates). */
  inColo(colo: string, now: number): HeldEjection[] {
    const out: HeldEjection[] = [];
    for (const colos of this.#held.values()) {
      const e = colos.get(colo);
      if (e !== undefined && e.until > now) out.push(e);
    }
    return out;
  }

  /** Origins some colo ejects at `now`. */
  ejectedOrigins(now: number): string[] {
    return [...this.#held.keys()].filter((id) => this.inForce(id, now).length > 0);
  }

  /** The global verdict on an origin: its colos' votes, with the settings of its latest ejection. */
  verdict(originId: string, now: number): QuorumVerdict {
    const votes = this.inForce(originId, now);
    const latest = votes.reduce<HeldEjection | undefined>((a, b) => (a === undefined || b.at > a.at ? b : a), undefined);
    return quorumVerdict(originId, votes, this.#traffic.of(originId), latest?.quorum ?? DEFAULT_GLOBAL_QUORUM, now);
  }

  /** The ejection every colo applies (a quorum of colos ejects the origin), if any. */
  active(originId: string, now: number): Ejection | undefined {
    if (!this.#held.has(originId)) return undefined;
    return this.verdict(originId, now).ejection;
  }

  /** Records a report; within a colo, an ejection that ends no later than the one held is ignored. */
  record(report: TrafficReport, now: number): void {
    const colo = report.colo;
    for (const e of report.ejections.slice(0, MAX_REPORT_ENTRIES)) {
      if (!(e.until > now) || !Number.isFinite(e.until)) continue;
      // An ejection is traffic too: the colo votes even if its counts come later.
      this.#traffic.seen(e.originId, colo, now);
      const held = this.#held.get(e.originId)?.get(colo);
      if (held !== undefined && held.until > now && held.until >= e.until) continue;
      const quorum = e.quorum ?? DEFAULT_GLOBAL_QUORUM;
      const kept: HeldEjection = { ...e, colo, quorum, count: Math.max(e.count, held !== undefined && held.until > now ? held.count : 0) };
      this.#hold(kept);
      this.#sql.exec(
        `INSERT INTO colo_ejections (origin_id, colo, pool_id, kind, at, until, count, reason, uneject_on_probe, quorum) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (origin_id, colo) DO UPDATE SET pool_id = excluded.pool_id, kind = excluded.kind, at = excluded.at, until = excluded.until,
           count = excluded.count, reason = excluded.reason, uneject_on_probe = excluded.uneject_on_probe, quorum = excluded.quorum`,
        kept.originId,
        colo,
        kept.poolId,
        kept.kind,
        kept.at,
        kept.until,
        kept.count,
        kept.reason,
        kept.unejectOnProbeSuccess ? 1 : 0,
        JSON.stringify(quorum),
      );
      this.#sql.exec(
        "INSERT INTO ejection_log (origin_id, at, until, kind, reason, colo) VALUES (?, ?, ?, ?, ?, ?)",
        e.originId,
        e.at,
        e.until,
        e.kind,
        e.reason,
        colo,
      );
      trimPerOrigin(this.#sql, "ejection_log", e.originId, EJECTION_LOG_PER_ORIGIN);
      log("info", "ejection_recorded", {
        origin: e.originId,
        pool: e.poolId,
        kind: e.kind,
        until: new Date(e.until).toISOString(),
        count: kept.count,
        reason: e.reason,
        colo,
      });
      this.#noteVerdict(e.originId, now);
    }
    const bucket = Math.floor(now / TRAFFIC_BUCKET_MS) * TRAFFIC_BUCKET_MS;
    for (const [originId, tries, failures] of report.counts.slice(0, MAX_REPORT_ENTRIES)) {
      if (!(tries > 0) || !(failures >= 0)) continue;
      this.#traffic.seen(originId, colo, now);
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

  /** A probe passed at `at`: ends every colo's ejection that began before it, where its pool allows. Returns true if one ended. */
  probePassed(originId: string, at: number, now: number): boolean {
    const ended = this.inForce(originId, now).filter((e) => e.unejectOnProbeSuccess && at > e.at);
    for (const e of ended) this.#drop(originId, e.colo);
    if (ended.length === 0) return false;
    log("info", "origin_returned", {
      origin: originId,
      reason: "a probe passed",
      colos: ended.map((e) => e.colo),
      ejectedAt: new Date(Math.min(...ended.map((e) => e.at))).toISOString(),
    });
    this.#everywhere.delete(originId);
    return true;
  }

  /** Ends an origin's ejection in every colo. */
  release(originId: string): void {
    for (const colo of [...(this.#held.get(originId)?.keys() ?? [])]) this.#drop(originId, colo);
    this.#everywhere.delete(originId);
  }

  /** Forgets ejections that have ended and traffic older than the longest quorum window. */
  sweep(now: number): void {
    for (const [originId, colos] of this.#held) for (const [colo, e] of colos) if (e.until <= now) this.#drop(originId, colo);
    for (const [id, until] of this.#everywhere) if (until <= now) this.#everywhere.delete(id);
    this.#traffic.sweep(now);
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

  /** When each colo last sent the origin traffic. */
  coloTraffic(originId: string): { colo: string; lastAt: number }[] {
    return this.#traffic.of(originId);
  }

  /** Every origin with an ejection, a logged one or traffic counts. */
  originIds(): string[] {
    return this.#sql
      .exec<{ origin_id: string }>(
        "SELECT DISTINCT origin_id FROM ejection_log UNION SELECT DISTINCT origin_id FROM traffic UNION SELECT DISTINCT origin_id FROM colo_ejections",
      )
      .toArray()
      .map((r) => r.origin_id);
  }

  /** Drops every origin not in `known`. */
  retain(known: ReadonlySet<string>): void {
    for (const id of this.originIds()) {
      if (known.has(id)) continue;
      this.#held.delete(id);
      this.#everywhere.delete(id);
      for (const table of ["colo_ejections", "ejection_log", "traffic"]) this.#sql.exec(`DELETE FROM ${table} WHERE origin_id = ?`, id);
    }
    this.#traffic.retain(known);
  }

  #hold(e: HeldEjection): void {
    let colos = this.#held.get(e.originId);
    if (colos === undefined) {
      colos = new Map();
      this.#held.set(e.originId, colos);
    }
    colos.set(e.colo, e);
  }

  #drop(originId: string, colo: string): void {
    const colos = this.#held.get(originId);
    colos?.delete(colo);
    if (colos?.size === 0) this.#held.delete(originId);
    this.#sql.exec("DELETE FROM colo_ejections WHERE origin_id = ? AND colo = ?", originId, colo);
  }

  /** Logs the moment a quorum of colos starts ejecting an origin everywhere. */
  #noteVerdict(originId: string, now: number): void {
    const v = this.verdict(originId, now);
    if (v.ejection === undefined) return;
    const logged = this.#everywhere.get(originId);
    this.#everywhere.set(originId, v.ejection.until);
    if (logged !== undefined && logged > now) return;
    log("warn", "origin_ejected_everywhere", {
      origin: originId,
      failing: v.failing,
      voters: v.voters.length,
      needed: v.needed,
      until: v.ejection === undefined ? undefined : new Date(v.ejection.until).toISOString(),
    });
  }
}
