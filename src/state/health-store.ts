/**
 * Probe-driven health per origin, in the Durable Object: the state machine's state
 * (loaded once, written through to SQLite), a bounded history of probe results and a
 * bounded log of transitions.
 */
import { applyProbe, initialHealth } from "../health/state-machine.ts";
import type { OriginHealth, Thresholds, Transition } from "../health/state-machine.ts";
import type { ProbeResult } from "../health/probe-result.ts";
import { applyVerdict } from "../health/region-quorum.ts";
import type { QuorumVerdict } from "../health/region-quorum.ts";
import type { HealthRow } from "./sql-schema.ts";
import { trimPerOrigin } from "./sql-schema.ts";
import { log } from "../observe/log.ts";

/** Probe results kept per origin. */
export const HISTORY_PER_ORIGIN = 100;
/** Health transitions kept per origin. */
export const TRANSITIONS_PER_ORIGIN = 50;

export interface StoredHealth extends OriginHealth {
  readonly lastProbeAt: number | null;
  readonly lastProbeOk: boolean | undefined;
}

/** Probe results applied to one origin, by result, since the origin joined the config (the Prometheus counter `edgeway_probes_total`). */
export interface ProbeCount {
  readonly origin: string;
  readonly result: "pass" | "fail";
  readonly count: number;
}

export interface HistoryEntry {
  readonly at: number;
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly status: number | null;
  readonly reason: string;
}

export class HealthStore {
  readonly #sql: SqlStorage;
  readonly #health = new Map<string, StoredHealth>();

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    // Whether each origin's latest probe passed, in one query rather than one per origin.
    const lastOk = new Map<string, boolean>();
    for (const r of sql.exec<{ origin_id: string; ok: number }>(
      "SELECT origin_id, ok FROM probe_history WHERE seq IN (SELECT MAX(seq) FROM probe_history GROUP BY origin_id)",
    )) {
      lastOk.set(r.origin_id, r.ok === 1);
    }
    for (const row of sql.exec<HealthRow>("SELECT * FROM origin_health")) {
      this.#health.set(row.origin_id, {
        healthy: row.healthy === 1,
        consecutiveSuccesses: row.consecutive_successes,
        consecutiveFailures: row.consecutive_failures,
        since: row.since,
        reason: row.reason,
        lastProbeAt: row.last_probe_at,
        lastProbeOk: lastOk.get(row.origin_id),
      });
    }
  }

  entries(): IterableIterator<[string, StoredHealth]> {
    return this.#health.entries();
  }

  get(originId: string): StoredHealth | undefined {
    return this.#health.get(originId);
  }

  /**
   * Applies one probe result. A result no newer than the origin's last one is a duplicate
   * (alarms and retried RPCs are delivered at least once) and changes nothing: returns false.
   */
  apply(result: ProbeResult, thresholds: Thresholds): boolean {
    const previous = this.#health.get(result.originId);
    if (previous?.lastProbeAt != null && result.at <= previous.lastProbeAt) return false;
    const { state, transition } = applyProbe(previous ?? initialHealth(result.at), result, thresholds);
    this.#write(result.originId, state, result.at, result.ok, transition);
    this.recordResult(result);
    return true;
  }

  /**
   * Moves an origin to the verdict of its probe regions' quorum (their results are
   * recorded one by one with `recordResult`). `at` is the round's newest result.
   */
  decide(originId: string, verdict: QuorumVerdict, at: number): void {
    const previous = this.#health.get(originId) ?? initialHealth(at);
    const { state, transition } = applyVerdict(previous, verdict, at);
    this.#write(originId, state, at, verdict.healthy, transition);
  }

  #write(originId: string, state: OriginHealth, at: number, ok: boolean, transition: Transition | undefined): void {
    this.#health.set(originId, { ...state, lastProbeAt: at, lastProbeOk: ok });
    this.#sql.exec(
      `INSERT INTO origin_health (origin_id, healthy, consecutive_successes, consecutive_failures, since, reason, last_probe_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (origin_id) DO UPDATE SET healthy = excluded.healthy, consecutive_successes = excluded.consecutive_successes,
         consecutive_failures = excluded.consecutive_failures, since = excluded.since, reason = excluded.reason, last_probe_at = excluded.last_probe_at`,
      originId,
      state.healthy ? 1 : 0,
      state.consecutiveSuccesses,
      state.consecutiveFailures,
      state.since,
      state.reason,
      at,
    );
    if (transition !== undefined) this.recordTransition(originId, transition);
  }

  /** Adds a probe result to the origin's history and counts (a region's result says which region it came from). */
  recordResult(result: ProbeResult): void {
    this.#sql.exec(
      "INSERT INTO probe_history (origin_id, at, ok, latency_ms, status, reason) VALUES (?, ?, ?, ?, ?, ?)",
      result.originId,
      result.at,
      result.ok ? 1 : 0,
      result.latencyMs,
      result.status ?? null,
      result.region === undefined ? result.reason : `from ${result.region}: ${result.reason}`,
    );
    trimPerOrigin(this.#sql, "probe_history", result.originId, HISTORY_PER_ORIGIN);
    this.#sql.exec(
      "INSERT INTO probe_counts (origin_id, result, count) VALUES (?, ?, 1) ON CONFLICT (origin_id, result) DO UPDATE SET count = probe_counts.count + 1",
      result.originId,
      result.ok ? "pass" : "fail",
    );
  }

  /** Logs a transition (probes, or a registered origin's heartbeat lapsing or resuming). */
  recordTransition(originId: string, t: Transition): void {
    this.#sql.exec(
      "INSERT INTO transitions (origin_id, at, from_state, to_state, reason) VALUES (?, ?, ?, ?, ?)",
      originId,
      t.at,
      t.from,
      t.to,
      t.reason,
    );
    trimPerOrigin(this.#sql, "transitions", originId, TRANSITIONS_PER_ORIGIN);
    log("info", "health_transition", { origin: originId, from: t.from, to: t.to, reason: t.reason });
  }

  /** Every origin's probe counts: probes run in the alarm and in cron isolates, so the scraped isolate reads them here. */
  probeCounts(): ProbeCount[] {
    return this.#sql
      .exec<{ origin_id: string; result: string; count: number }>(
        "SELECT origin_id, result, count FROM probe_counts ORDER BY origin_id, result",
      )
      .toArray()
      .map((r) => ({ origin: r.origin_id, result: r.result === "pass" ? "pass" : "fail", count: r.count }));
  }

  history(originId: string, limit: number): HistoryEntry[] {
    return this.#sql
      .exec<{ at: number; ok: number; latency_ms: number; status: number | null; reason: string }>(
        "SELECT at, ok, latency_ms, status, reason FROM probe_history WHERE origin_id = ? ORDER BY seq DESC LIMIT ?",
        originId,
        limit,
      )
      .toArray()
      .map((r) => ({ at: r.at, ok: r.ok === 1, latencyMs: r.latency_ms, status: r.status, reason: r.reason }));
  }

  transitions(originId: string, limit: number): Transition[] {
    return this.#sql
      .exec<{ at: number; from_state: string; to_state: string; reason: string }>(
        "SELECT at, from_state, to_state, reason FROM transitions WHERE origin_id = ? ORDER BY seq DESC LIMIT ?",
        originId,
        limit,
      )
      .toArray()
      .map(
        (r) =>
          ({
            at: r.at,
            from: r.from_state === "healthy" ? "healthy" : "unhealthy",
            to: r.to_state === "healthy" ? "healthy" : "unhealthy",
            reason: r.reason,
          }) satisfies Transition,
      );
  }

  /** Drops every origin not in `known`, with its history and transitions. */
  retain(known: ReadonlySet<string>): void {
    for (const id of [...this.#health.keys()]) {
      if (known.has(id)) continue;
      this.#health.delete(id);
      this.#sql.exec("DELETE FROM origin_health WHERE origin_id = ?", id);
      this.#sql.exec("DELETE FROM probe_history WHERE origin_id = ?", id);
      this.#sql.exec("DELETE FROM transitions WHERE origin_id = ?", id);
      this.#sql.exec("DELETE FROM probe_counts WHERE origin_id = ?", id);
    }
  }
}
