/**
 * Probe-driven health per origin and probe region, in the Durable Object: each region's
 * own state machine (thresholds apply per region), and probe counts by region. The
 * origin's health is the quorum of these (src/health/region-quorum.ts), kept in
 * HealthStore like any other. Bounded by origins × regions (at most nine regions).
 */
import { applyProbe, initialHealth } from "../health/state-machine.ts";
import type { OriginHealth, Thresholds } from "../health/state-machine.ts";
import type { RegionVote } from "../health/region-quorum.ts";
import type { ProbeResult } from "../health/probe-result.ts";

const REGION_SCHEMA = `
CREATE TABLE IF NOT EXISTS region_health (
  origin_id TEXT NOT NULL,
  region TEXT NOT NULL,
  healthy INTEGER NOT NULL,
  consecutive_successes INTEGER NOT NULL,
  consecutive_failures INTEGER NOT NULL,
  since INTEGER NOT NULL,
  reason TEXT NOT NULL,
  last_probe_at INTEGER NOT NULL,
  last_probe_ok INTEGER NOT NULL,
  last_reason TEXT NOT NULL,
  PRIMARY KEY (origin_id, region)
);
CREATE TABLE IF NOT EXISTS region_probe_counts (
  origin_id TEXT NOT NULL,
  region TEXT NOT NULL,
  result TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (origin_id, region, result)
);
`;

/** One region's view of one origin, as the health API shows it. */
export interface RegionHealth extends OriginHealth {
  readonly lastProbeAt: number;
  readonly lastProbeOk: boolean;
  /** The latest probe's own reason ("HTTP 503 (expected 2xx)"). */
  readonly lastReason: string;
}

/** Probe results by origin, region and result (the Prometheus counter `edgeway_region_probes_total`). */
export interface RegionProbeCount {
  readonly origin: string;
  readonly region: string;
  readonly result: "pass" | "fail";
  readonly count: number;
}

type Row = {
  origin_id: string;
  region: string;
  healthy: number;
  consecutive_successes: number;
  consecutive_failures: number;
  since: number;
  reason: string;
  last_probe_at: number;
  last_probe_ok: number;
  last_reason: string;
};

export class RegionHealthStore {
  readonly #sql: SqlStorage;
  /** origin id → region → state. */
  readonly #health = new Map<string, Map<string, RegionHealth>>();

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(REGION_SCHEMA);
    for (const row of sql.exec<Row>("SELECT * FROM region_health")) {
      this.#regionsOf(row.origin_id).set(row.region, {
        healthy: row.healthy === 1,
        consecutiveSuccesses: row.consecutive_successes,
        consecutiveFailures: row.consecutive_failures,
        since: row.since,
        reason: row.reason,
        lastProbeAt: row.last_probe_at,
        lastProbeOk: row.last_probe_ok === 1,
        lastReason: row.last_reason,
      });
    }
  }

  #regionsOf(originId: string): Map<string, RegionHealth> {
    let regions = this.#health.get(originId);
    if (regions === undefined) {
      regions = new Map();
      this.#health.set(originId, regions);
    }
    return regions;
  }

  /** Applies one region's result; a result no newer than that region's last one is a duplicate and changes nothing (returns false). */
  apply(result: ProbeResult & { readonly region: string }, thresholds: Thresholds): boolean {
    const regions = this.#regionsOf(result.originId);
    const previous = regions.get(result.region);
    if (previous !== undefined && result.at <= previous.lastProbeAt) return false;
    const { state } = applyProbe(previous ?? initialHealth(result.at), result, thresholds);
    regions.set(result.region, { ...state, lastProbeAt: result.at, lastProbeOk: result.ok, lastReason: result.reason });
    this.#sql.exec(
      `INSERT INTO region_health (origin_id, region, healthy, consecutive_successes, consecutive_failures, since, reason, last_probe_at, last_probe_ok, last_reason)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (origin_id, region) DO UPDATE SET healthy = excluded.healthy, consecutive_successes = excluded.consecutive_successes,
         consecutive_failures = excluded.consecutive_failures, since = excluded.since, reason = excluded.reason,
         last_probe_at = excluded.last_probe_at, last_probe_ok = excluded.last_probe_ok, last_reason = excluded.last_reason`,
      result.originId,
      result.region,
      state.healthy ? 1 : 0,
      state.consecutiveSuccesses,
      state.consecutiveFailures,
      state.since,
      state.reason,
      result.at,
      result.ok ? 1 : 0,
      result.reason,
    );
    this.#sql.exec(
      `INSERT INTO region_probe_counts (origin_id, region, result, count) VALUES (?, ?, ?, 1)
       ON CONFLICT (origin_id, region, result) DO UPDATE SET count = region_probe_counts.count + 1`,
      result.originId,
      result.region,
      result.ok ? "pass" : "fail",
    );
    return true;
  }

  /** Each of `regions`' vote on an origin; a region with no result yet abstains. */
  votes(originId: string, regions: readonly string[]): RegionVote[] {
    const known = this.#health.get(originId);
    return regions.map((region) => {
      const h = known?.get(region);
      return h === undefined
        ? { region, healthy: undefined, reason: "no result yet" }
        : { region, healthy: h.healthy, reason: h.lastReason };
    });
  }

  /** An origin's state per region, for the health API (empty when it is not probed from regions). */
  regions(originId: string): Record<string, RegionHealth> {
    return Object.fromEntries(this.#health.get(originId) ?? []);
  }

  /** Keeps only `regions` of an origin (a monitor dropped a region). */
  retainRegions(originId: string, regions: readonly string[]): void {
    const known = this.#health.get(originId);
    for (const region of [...(known?.keys() ?? [])]) {
      if (regions.includes(region)) continue;
      known?.delete(region);
      this.#sql.exec("DELETE FROM region_health WHERE origin_id = ? AND region = ?", originId, region);
      this.#sql.exec("DELETE FROM region_probe_counts WHERE origin_id = ? AND region = ?", originId, region);
    }
  }

  /** Drops every origin not in `known`. */
  retain(known: ReadonlySet<string>): void {
    for (const id of [...this.#health.keys()]) {
      if (known.has(id)) continue;
      this.#health.delete(id);
      this.#sql.exec("DELETE FROM region_health WHERE origin_id = ?", id);
      this.#sql.exec("DELETE FROM region_probe_counts WHERE origin_id = ?", id);
    }
  }

  /** Every origin's probe counts by region. */
  probeCounts(): RegionProbeCount[] {
    return this.#sql
      .exec<{ origin_id: string; region: string; result: string; count: number }>(
        "SELECT origin_id, region, result, count FROM region_probe_counts ORDER BY origin_id, region, result",
      )
      .toArray()
      .map((r) => ({ origin: r.origin_id, region: r.region, result: r.result === "pass" ? "pass" : "fail", count: r.count }));
  }
}
