/**
 * OriginState, the Durable Object that holds origin health: the state machine's state
 * per origin, a bounded history of probe results and transitions, and the config version
 * counter. Probes report here; isolates read snapshots from here in the background.
 * Reached by name (`originStateStub`), so state can be split by pool later without a rewrite.
 */
import { DurableObject } from "cloudflare:workers";
import { applyProbe, initialHealth } from "../health/state-machine.ts";
import type { OriginHealth, Thresholds, Transition } from "../health/state-machine.ts";
import type { ProbeResult } from "../health/probe.ts";
import type { HealthSnapshot } from "./snapshot.ts";
import { log } from "../observe/log.ts";

/** Probe results kept per origin. */
export const HISTORY_PER_ORIGIN = 100;
/** Health transitions kept per origin. */
export const TRANSITIONS_PER_ORIGIN = 50;

/** One round of probe results and the thresholds that apply to each origin. */
export interface ProbeRound {
  readonly results: readonly ProbeResult[];
  readonly thresholds: Readonly<Record<string, Thresholds>>;
  /** Every origin the config knows; state for others is dropped. */
  readonly origins: readonly string[];
}

export interface HistoryEntry {
  readonly at: number;
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly status: number | null;
  readonly reason: string;
}

export interface OriginDetails extends OriginHealth {
  readonly lastProbeAt: number | null;
  readonly history: readonly HistoryEntry[];
  readonly transitions: readonly Transition[];
}

interface HealthRow extends Record<string, SqlStorageValue> {
  origin_id: string;
  healthy: number;
  consecutive_successes: number;
  consecutive_failures: number;
  since: number;
  reason: string;
  last_probe_at: number | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS origin_health (
  origin_id TEXT PRIMARY KEY,
  healthy INTEGER NOT NULL,
  consecutive_successes INTEGER NOT NULL,
  consecutive_failures INTEGER NOT NULL,
  since INTEGER NOT NULL,
  reason TEXT NOT NULL,
  last_probe_at INTEGER
);
CREATE TABLE IF NOT EXISTS probe_history (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  origin_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  latency_ms REAL NOT NULL,
  status INTEGER,
  reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS probe_history_origin ON probe_history (origin_id, seq);
CREATE TABLE IF NOT EXISTS transitions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  origin_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS transitions_origin ON transitions (origin_id, seq);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS colo_latency (
  colo TEXT NOT NULL,
  key TEXT NOT NULL,
  ewma REAL NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (colo, key)
);
`;

/** Latency reports older than this no longer seed cold isolates. */
export const COLO_LATENCY_MAX_AGE_MS = 10 * 60_000;
/** The most latency entries one report may carry (origins and pools). */
export const MAX_LATENCY_ENTRIES = 2_000;

export class OriginState extends DurableObject<Env> {
  /** Health per origin, loaded once and written through to SQLite. */
  #health = new Map<string, OriginHealth & { lastProbeAt: number | null }>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec(SCHEMA);
      for (const row of ctx.storage.sql.exec<HealthRow>("SELECT * FROM origin_health")) {
        this.#health.set(row.origin_id, {
          healthy: row.healthy === 1,
          consecutiveSuccesses: row.consecutive_successes,
          consecutiveFailures: row.consecutive_failures,
          since: row.since,
          reason: row.reason,
          lastProbeAt: row.last_probe_at,
        });
      }
    });
  }

  /** Applies a round of probe results and returns the new snapshot. A duplicate round changes nothing. */
  recordProbes(round: ProbeRound): HealthSnapshot {
    const sql = this.ctx.storage.sql;
    const known = new Set(round.origins);
    for (const id of [...this.#health.keys()]) {
      if (!known.has(id)) this.#forget(id);
    }
    for (const result of round.results) {
      if (!known.has(result.originId)) continue;
      const previous = this.#health.get(result.originId);
      // At-least-once delivery (alarms, retried RPCs): a result no newer than the last is a duplicate.
      if (previous?.lastProbeAt != null && result.at <= previous.lastProbeAt) continue;
      const thresholds = round.thresholds[result.originId] ?? { healthyThreshold: 2, unhealthyThreshold: 2 };
      const { state, transition } = applyProbe(previous ?? initialHealth(result.at), result, thresholds);
      this.#health.set(result.originId, { ...state, lastProbeAt: result.at });
      sql.exec(
        `INSERT INTO origin_health (origin_id, healthy, consecutive_successes, consecutive_failures, since, reason, last_probe_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (origin_id) DO UPDATE SET healthy = excluded.healthy, consecutive_successes = excluded.consecutive_successes,
           consecutive_failures = excluded.consecutive_failures, since = excluded.since, reason = excluded.reason, last_probe_at = excluded.last_probe_at`,
        result.originId, state.healthy ? 1 : 0, state.consecutiveSuccesses, state.consecutiveFailures, state.since, state.reason, result.at,
      );
      sql.exec(
        "INSERT INTO probe_history (origin_id, at, ok, latency_ms, status, reason) VALUES (?, ?, ?, ?, ?, ?)",
        result.originId, result.at, result.ok ? 1 : 0, result.latencyMs, result.status ?? null, result.reason,
      );
      sql.exec(
        `DELETE FROM probe_history WHERE origin_id = ? AND seq <= (
           SELECT seq FROM probe_history WHERE origin_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
        result.originId, result.originId, HISTORY_PER_ORIGIN,
      );
      if (transition !== undefined) this.#recordTransition(result.originId, transition);
    }
    return this.snapshot();
  }

  /**
   * Health of every origin this object knows, for isolates' caches; with a colo, also
   * that colo's latency estimates, so a cold isolate starts from its colo's view.
   */
  snapshot(colo?: string): HealthSnapshot {
    const origins: HealthSnapshot["origins"] = {};
    for (const [id, h] of this.#health) origins[id] = { healthy: h.healthy, since: h.since, reason: h.reason };
    if (colo === undefined) return { generatedAt: Date.now(), origins };
    const latency: Record<string, number> = {};
    const rows = this.ctx.storage.sql.exec<{ key: string; ewma: number }>(
      "SELECT key, ewma FROM colo_latency WHERE colo = ? AND updated_at >= ?",
      colo,
      Date.now() - COLO_LATENCY_MAX_AGE_MS,
    );
    for (const row of rows) latency[row.key] = row.ewma;
    return { generatedAt: Date.now(), origins, latency };
  }

  /**
   * An isolate's latency estimates for its colo (sent every few seconds, never per
   * request). The colo's view is a moving blend of what its isolates report.
   */
  reportLatency(colo: string, entries: readonly (readonly [string, number])[]): void {
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    for (const [key, ewma] of entries.slice(0, MAX_LATENCY_ENTRIES)) {
      if (!Number.isFinite(ewma) || ewma < 0) continue;
      sql.exec(
        `INSERT INTO colo_latency (colo, key, ewma, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (colo, key) DO UPDATE SET ewma = (colo_latency.ewma + excluded.ewma) / 2, updated_at = excluded.updated_at`,
        colo, key, ewma, now,
      );
    }
    sql.exec("DELETE FROM colo_latency WHERE updated_at < ?", now - COLO_LATENCY_MAX_AGE_MS);
  }

  /** Health, recent probe history and transitions per origin, for the admin API. */
  details(historyLimit = 20): Record<string, OriginDetails> {
    const sql = this.ctx.storage.sql;
    const out: Record<string, OriginDetails> = {};
    for (const [id, h] of this.#health) {
      const history = sql
        .exec<{ at: number; ok: number; latency_ms: number; status: number | null; reason: string }>(
          "SELECT at, ok, latency_ms, status, reason FROM probe_history WHERE origin_id = ? ORDER BY seq DESC LIMIT ?",
          id,
          historyLimit,
        )
        .toArray()
        .map((r) => ({ at: r.at, ok: r.ok === 1, latencyMs: r.latency_ms, status: r.status, reason: r.reason }));
      const transitions = sql
        .exec<{ at: number; from_state: string; to_state: string; reason: string }>(
          "SELECT at, from_state, to_state, reason FROM transitions WHERE origin_id = ? ORDER BY seq DESC LIMIT ?",
          id,
          historyLimit,
        )
        .toArray()
        .map((r) => ({ at: r.at, from: r.from_state === "healthy" ? "healthy" : "unhealthy", to: r.to_state === "healthy" ? "healthy" : "unhealthy", reason: r.reason }) satisfies Transition);
      out[id] = { ...h, history, transitions };
    }
    return out;
  }

  /** The next config version: one past both this counter and `atLeast` (the version in KV). */
  allocateConfigVersion(atLeast: number): number {
    const sql = this.ctx.storage.sql;
    const row = sql.exec<{ value: number }>("SELECT value FROM counters WHERE name = 'config_version'").toArray()[0];
    const next = Math.max(row?.value ?? 0, atLeast) + 1;
    sql.exec("INSERT INTO counters (name, value) VALUES ('config_version', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value", next);
    return next;
  }

  #recordTransition(originId: string, t: Transition): void {
    const sql = this.ctx.storage.sql;
    sql.exec("INSERT INTO transitions (origin_id, at, from_state, to_state, reason) VALUES (?, ?, ?, ?, ?)", originId, t.at, t.from, t.to, t.reason);
    sql.exec(
      `DELETE FROM transitions WHERE origin_id = ? AND seq <= (
         SELECT seq FROM transitions WHERE origin_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
      originId, originId, TRANSITIONS_PER_ORIGIN,
    );
    log("info", "health_transition", { origin: originId, from: t.from, to: t.to, reason: t.reason });
  }

  #forget(originId: string): void {
    this.#health.delete(originId);
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM origin_health WHERE origin_id = ?", originId);
    sql.exec("DELETE FROM probe_history WHERE origin_id = ?", originId);
    sql.exec("DELETE FROM transitions WHERE origin_id = ?", originId);
  }
}

/** The object holding health for `shard` (one object today; one per pool is a name change). */
export function originStateStub(env: Env, shard = "global"): DurableObjectStub<OriginState> {
  return env.ORIGIN_STATE.get(env.ORIGIN_STATE.idFromName(shard));
}
